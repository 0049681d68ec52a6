/*
 * libFuzzer target: the barman catalog parsers (backup.info, history
 * files, WAL names, LSNs) and the model fed with what parses: objects under
 * wals/, a backup, a history file, then the window, a plan and the JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "catalog.h"
#include "errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct catalog_backup *b = NULL;
	struct catalog_history_entry *h = NULL;
	struct catalog_wal_name wn;
	struct catalog *cat;
	struct catalog_window w;
	struct catalog_plan plan;
	struct catalog_target target = { 0 };
	struct error err = ERROR_INIT;
	size_t n = 0, i, start = 0;
	uint64_t lsn;
	json_t *j;

	if (catalog_backup_parse(&b, "20261124T030001", buf, size, &err) == 0)
		catalog_backup_free(b);
	error_clear(&err);
	if (catalog_history_parse(&h, &n, 2, buf, size, &err) == 0)
		free(h);
	error_clear(&err);
	catalog_wal_parse_name(&wn, buf, size);
	if (catalog_lsn_parse(&lsn, buf, size, &err) == 0)
		(void)catalog_wal_lsn_segno(lsn, CATALOG_DEFAULT_SEGSIZE);
	error_clear(&err);

	/* every line is an object key, then the whole input as metadata */
	cat = catalog_new("s3://fuzz/path", "pg1", 0);
	for (i = 0; i <= size; i++) {
		if (i == size || buf[i] == '\n') {
			catalog_add_object(cat, buf + start, i - start, 16,
					   (time_t)(1795000000 + i));
			start = i + 1;
		}
	}
	(void)catalog_add_backup_info(cat, "20261124T030001", buf, size, &err);
	error_clear(&err);
	(void)catalog_add_history(cat, 2, buf, size, &err);
	error_clear(&err);
	if (catalog_window(&w, cat, 0, &err) == 0)
		catalog_window_release(&w);
	error_clear(&err);
	target.kind = (enum catalog_target_kind)(size % 4);
	target.time.sec = 1795000000;
	target.lsn = 0x3000000;
	if (catalog_plan(&plan, cat, &target, &err) == 0)
		catalog_plan_release(&plan);
	error_clear(&err);
	j = catalog_to_json(cat);
	json_decref(j);
	catalog_free(cat);
	return 0;
}
