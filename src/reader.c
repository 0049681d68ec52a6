/*
 * reader: the barman catalog read from S3 into the catalog model.
 *
 * Requests: one delimited listing of base/ (the backup folders), one GET
 * per backup.info (in parallel), the flat listing of wals/ (one request per
 * 1000 objects) and one GET per history file.  A large wals/ is listed by
 * up to WAL_RANGES workers at once: a delimited listing of wals/ gives the
 * <TLI><LOG>/ folders, and the flat key range is split at folder boundaries
 * (each range is a start-after listing; each costs at most one page more
 * than its share, so the flat listing stays within ~5% of the minimum).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "archive.h"
#include "catalog.h"
#include "decomp.h"
#include "errors.h"
#include "reader.h"
#include "store.h"
#include "strbuf.h"
#include "walscan.h"
#include "xmalloc.h"

#define INFO_MAX      ((size_t)1 << 20)
#define GET_IN_FLIGHT 8
#define WAL_RANGES    8
/* Segments per wals/<TLI><LOG>/ folder with 16 MiB segments (fewer with
 * larger ones: the estimate then only makes fewer, larger ranges). */
#define SEGS_PER_FOLDER 256
/* Pages per range at least: one extra page per range stays under 5%. */
#define PAGES_PER_RANGE 20

struct reader {
	const struct archive_config *arch;
	struct store *st;
	char *path; /* destinationPath's prefix, "" or without a last '/' */
	char *prefix; /* "<path>/<server>/", no leading '/' */
	long requests;
};

int
reader_open(struct reader **out, const struct archive_config *arch,
	    struct error *err)
{
	struct reader *r = xcalloc(1, sizeof(*r));
	char *path = NULL;
	size_t plen;

	r->arch = arch;
	if (store_open(&r->st, &path, arch, err)) {
		reader_free(r);
		return -1;
	}
	plen = strlen(path);
	while (plen > 0 && path[plen - 1] == '/')
		plen--;
	r->path = xstrndup(path, plen);
	free(path);
	r->prefix = plen ? xasprintf("%s/%s/", r->path, arch->server_name)
			 : xasprintf("%s/", arch->server_name);
	*out = r;
	return 0;
}

void
reader_free(struct reader *r)
{
	if (!r)
		return;
	store_free(r->st);
	free(r->path);
	free(r->prefix);
	free(r);
}

struct store *
reader_store(struct reader *r)
{
	return r->st;
}

const char *
reader_prefix(const struct reader *r)
{
	return r->prefix;
}

long
reader_requests(const struct reader *r)
{
	return r->requests;
}

/* The message prefix of a failed read. */
static void
prefix_error(const struct reader *r, struct error *err)
{
	char *where = store_object_url(r->st, r->prefix);

	error_prefix(err, "reading the catalog in %s: ", where);
	free(where);
}

/* base/: the backup folders. */
struct ids {
	const char *base;
	size_t base_len;
	char **v;
	size_t n;
};

static int
on_base_prefix(void *data, const char *prefix, struct error *err)
{
	struct ids *ids = data;
	size_t len = strlen(prefix);

	(void)err;
	if (len <= ids->base_len + 1 ||
	    strncmp(prefix, ids->base, ids->base_len) != 0)
		return 0;
	ids->v = xreallocarray(ids->v, ids->n + 1, sizeof(char *));
	ids->v[ids->n++] =
		xstrndup(prefix + ids->base_len, len - ids->base_len - 1);
	return 0;
}

struct info_ctx {
	struct catalog *cat;
	struct ids *ids;
	int missing;
};

static int
on_info(void *data, size_t i, const char *body, size_t len,
	const struct error *key_err, struct error *err)
{
	struct info_ctx *ic = data;

	if (!body) {
		/* barman writes backup.info last: a backup in progress */
		if (key_err->code == ERR_NOT_FOUND) {
			ic->missing++;
			return 0;
		}
		return error_set(err, key_err->code, "%s", key_err->msg);
	}
	return catalog_add_backup_info(ic->cat, ic->ids->v[i], body, len, err);
}

/* wals/: every object, and the history files to fetch. */
struct wals {
	struct catalog *cat;
	size_t prefix_len;
	char **history;
	uint32_t *history_tli;
	size_t nhistory;
};

static int
on_wal_object(void *data, const struct store_object *obj, struct error *err)
{
	struct wals *w = data;
	const char *rel = obj->key + w->prefix_len;
	struct catalog_wal_name wn;
	const char *slash;

	(void)err;
	if (strlen(obj->key) <= w->prefix_len)
		return 0;
	catalog_add_object(w->cat, rel, strlen(rel), (uint64_t)obj->size,
			   obj->last_modified);
	slash = strrchr(rel, '/');
	catalog_wal_parse_name(&wn, slash ? slash + 1 : rel,
			       strlen(slash ? slash + 1 : rel));
	if (wn.kind == CATALOG_WAL_HISTORY) {
		w->history = xreallocarray(w->history, w->nhistory + 1,
					   sizeof(char *));
		w->history_tli = xreallocarray(w->history_tli, w->nhistory + 1,
					       sizeof(uint32_t));
		w->history[w->nhistory] = xstrdup(obj->key);
		w->history_tli[w->nhistory] = wn.tli;
		w->nhistory++;
	}
	return 0;
}

struct hist_ctx {
	struct catalog *cat;
	struct wals *w;
};

static int
on_history(void *data, size_t i, const char *body, size_t len,
	   const struct error *key_err, struct error *err)
{
	struct hist_ctx *hc = data;
	const char *key = hc->w->history[i];
	const char *slash = strrchr(key, '/');
	const char *name = slash ? slash + 1 : key;
	struct catalog_wal_name wn;
	struct strbuf plain = STRBUF_INIT;
	int kind, rc;

	if (!body)
		return error_set(err, key_err->code, "%s", key_err->msg);
	catalog_wal_parse_name(&wn, name, strlen(name));
	kind = decomp_kind_of(wn.compression);
	if (kind < 0)
		return error_set(err, ERR_CATALOG, "'%s': unknown compression",
				 key);
	if (kind == DECOMP_NONE)
		return catalog_add_history(hc->cat, hc->w->history_tli[i], body,
					   len, err);
	/* barman-cloud-wal-archive compresses history files too */
	rc = decomp_buffer(&plain, (enum decomp_kind)kind, body, len, INFO_MAX,
			   err);
	if (!rc)
		rc = catalog_add_history(hc->cat, hc->w->history_tli[i],
					 plain.buf, plain.len, err);
	if (rc)
		error_prefix(err, "'%s': ", key);
	strbuf_release(&plain);
	return rc;
}

/*
 * The flat listing of wals/ into cb: sequential when it is a few pages
 * (or the store cannot start after a key), else split among up to
 * WAL_RANGES start-after ranges at folder boundaries.
 */
static int
list_wals(struct reader *r, const char *wals, const struct store_list_cb *cb,
	  struct error *err)
{
	struct ids folders = { 0 };
	struct store_list_cb fcb = { 0 };
	char **bounds = NULL;
	size_t pages, nranges, i;
	int rc = -1;

	folders.base = wals;
	folders.base_len = strlen(wals);
	fcb.prefix = on_base_prefix;
	fcb.data = &folders;
	if (store_list_all(r->st, wals, "/", &fcb, err))
		goto out;
	pages = folders.n * SEGS_PER_FOLDER / 1000;
	nranges = pages / PAGES_PER_RANGE;
	if (nranges > WAL_RANGES)
		nranges = WAL_RANGES;
	if (nranges > folders.n)
		nranges = folders.n;
	/* ranges need a listing that starts after a key (not Azure's) */
	if (nranges <= 1 || !store_can_start_after(r->st)) {
		rc = store_list_all(r->st, wals, NULL, cb, err);
		goto out;
	}
	/* Range i ends after the last key of folder (i+1)*n/nranges - 1:
	 * "<folder>0" sorts after "<folder>/..." and before the next folder. */
	bounds = xcalloc(nranges - 1, sizeof(char *));
	for (i = 0; i + 1 < nranges; i++)
		bounds[i] =
			xasprintf("%s%s0", wals,
				  folders.v[(i + 1) * folders.n / nranges - 1]);
	rc = store_list_parallel(r->st, wals, (const char *const *)bounds,
				 nranges - 1, (int)nranges, cb, err);
out:
	for (i = 0; bounds && i + 1 < nranges; i++)
		free(bounds[i]);
	free(bounds);
	for (i = 0; i < folders.n; i++)
		free(folders.v[i]);
	free(folders.v);
	return rc;
}

/* base/: every backup folder and its backup.info. */
static int
load_backups(struct reader *r, struct catalog *cat, struct error *err)
{
	struct ids ids = { 0 };
	struct store_list_cb cb = { 0 };
	struct info_ctx ic = { 0 };
	char *base = xasprintf("%sbase/", r->prefix);
	char **keys = NULL;
	size_t i;
	int rc = -1;

	ids.base = base;
	ids.base_len = strlen(base);
	cb.prefix = on_base_prefix;
	cb.data = &ids;
	if (store_list_all(r->st, base, "/", &cb, err))
		goto out;
	r->requests++;
	keys = xcalloc(ids.n + 1, sizeof(char *));
	for (i = 0; i < ids.n; i++)
		keys[i] = xasprintf("%s%s/backup.info", base, ids.v[i]);
	ic.cat = cat;
	ic.ids = &ids;
	if (ids.n && store_get_many(r->st, (const char *const *)keys, ids.n,
				    GET_IN_FLIGHT, INFO_MAX, on_info, &ic, err))
		goto out;
	r->requests += (long)ids.n;
	rc = 0;
out:
	for (i = 0; i < ids.n; i++) {
		free(ids.v[i]);
		if (keys)
			free(keys[i]);
	}
	free(ids.v);
	free(keys);
	free(base);
	return rc;
}

/* The history files that the wals/ listing found. */
static int
load_history(struct reader *r, struct wals *w, struct error *err)
{
	struct hist_ctx hc = { 0 };

	hc.cat = w->cat;
	hc.w = w;
	if (!w->nhistory)
		return 0;
	r->requests += (long)w->nhistory;
	return store_get_many(r->st, (const char *const *)w->history,
			      w->nhistory, GET_IN_FLIGHT, INFO_MAX, on_history,
			      &hc, err);
}

static void
wals_release(struct wals *w)
{
	size_t i;

	for (i = 0; i < w->nhistory; i++)
		free(w->history[i]);
	free(w->history);
	free(w->history_tli);
}

int
reader_load(struct catalog **out, struct reader *r, struct error *err)
{
	struct catalog *cat =
		catalog_new(r->arch->destination_path, r->arch->server_name, 0);
	struct wals w = { 0 };
	struct store_list_cb cb = { 0 };
	char *wals = xasprintf("%swals/", r->prefix);
	int rc = -1;

	if (load_backups(r, cat, err))
		goto out;
	w.cat = cat;
	w.prefix_len = strlen(r->prefix);
	cb.object = on_wal_object;
	cb.data = &w;
	if (list_wals(r, wals, &cb, err) || load_history(r, &w, err))
		goto out;
	*out = cat;
	cat = NULL;
	rc = 0;
out:
	if (rc)
		prefix_error(r, err);
	wals_release(&w);
	free(wals);
	catalog_free(cat);
	return rc;
}

/* The top of wals/: the folders, and the history files beside them. */
struct top {
	struct ids folders;
	struct wals *w;
};

static int
on_top_object(void *data, const struct store_object *obj, struct error *err)
{
	struct top *t = data;

	return on_wal_object(t->w, obj, err);
}

static int
on_top_prefix(void *data, const char *prefix, struct error *err)
{
	struct top *t = data;

	return on_base_prefix(&t->folders, prefix, err);
}

/* Tracks the newest LastModified of a folder's segments. */
struct newest {
	struct wals *w;
	time_t mtime;
};

static int
on_folder_object(void *data, const struct store_object *obj, struct error *err)
{
	struct newest *n = data;

	if (obj->last_modified > n->mtime)
		n->mtime = obj->last_modified;
	return on_wal_object(n->w, obj, err);
}

static int
is_folder_name(const char *s)
{
	size_t i;

	for (i = 0; i < 16; i++)
		if (!strchr("0123456789ABCDEF", s[i]) || !s[i])
			return 0;
	return s[16] == '\0';
}

/* Folder names "<TLI 8hex><LOG 8hex>" ordered by LOG, then TLI. */
static int
folder_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int c = strncmp(x + 8, y + 8, 8);

	return c ? c : strncmp(x, y, 8);
}

int
reader_load_until(struct catalog **out, int *partial, struct reader *r,
		  const struct timefmt_time *until, long skew_s,
		  const char *backup_id, struct error *err)
{
	struct catalog *cat =
		catalog_new(r->arch->destination_path, r->arch->server_name, 0);
	const struct catalog_backup *from = NULL;
	struct wals w = { 0 };
	struct top top = { 0 };
	struct store_list_cb cb = { 0 };
	char *wals = xasprintf("%swals/", r->prefix);
	char log[9];
	size_t i, j;
	int rc = -1, stopped = 0;

	if (load_backups(r, cat, err))
		goto out;
	if (backup_id)
		from = catalog_find_backup(cat, backup_id);
	for (i = 0; !backup_id && i < catalog_backup_count(cat); i++) {
		const struct catalog_backup *b = catalog_backup_at(cat, i);

		if (b->status == CATALOG_STATUS_DONE && b->has_end_time &&
		    b->has_begin_lsn && b->end_time.sec <= until->sec)
			from = b; /* sorted by id: the newest wins */
	}
	w.cat = cat;
	w.prefix_len = strlen(r->prefix);
	top.w = &w;
	top.folders.base = wals;
	top.folders.base_len = strlen(wals);
	cb.object = on_top_object;
	cb.prefix = on_top_prefix;
	cb.data = &top;
	if (store_list_all(r->st, wals, "/", &cb, err))
		goto out;
	r->requests++;
	if (load_history(r, &w, err))
		goto out;
	if (!from || !from->has_begin_lsn) {
		/* nothing to start from: all of it (history files again) */
		wals_release(&w);
		memset(&w, 0, sizeof(w));
		w.cat = cat;
		w.prefix_len = strlen(r->prefix);
		memset(&cb, 0, sizeof(cb));
		cb.object = on_wal_object;
		cb.data = &w;
		if (list_wals(r, wals, &cb, err))
			goto out;
	} else {
		/*
		 * From the folder of the backup's begin WAL, a LOG at a time
		 * (every timeline's folder of that LOG), until a segment was
		 * archived after the target (and the skew allowed).
		 */
		snprintf(log, sizeof(log), "%08X",
			 (unsigned)(from->begin_lsn >> 32));
		/* only "<TLI><LOG>" folders: barman makes no others */
		for (i = j = 0; i < top.folders.n; i++) {
			if (is_folder_name(top.folders.v[i]))
				top.folders.v[j++] = top.folders.v[i];
			else
				free(top.folders.v[i]);
		}
		top.folders.n = j;
		qsort(top.folders.v, top.folders.n, sizeof(char *), folder_cmp);
		for (i = 0; i < top.folders.n && !stopped; i = j) {
			struct newest nw = { 0 };

			nw.w = &w;
			memset(&cb, 0, sizeof(cb));
			cb.object = on_folder_object;
			cb.data = &nw;
			for (j = i; j < top.folders.n &&
				    strncmp(top.folders.v[j] + 8,
					    top.folders.v[i] + 8, 8) == 0;
			     j++) {
				char *prefix;
				int lrc;

				if (strncmp(top.folders.v[j] + 8, log, 8) < 0)
					continue;
				prefix = xasprintf("%s%s/", wals,
						   top.folders.v[j]);
				lrc = store_list_all(r->st, prefix, NULL, &cb,
						     err);
				free(prefix);
				r->requests++;
				if (lrc)
					goto out;
			}
			if (nw.mtime > until->sec + skew_s && j < top.folders.n)
				stopped = 1;
		}
	}
	*partial = stopped;
	*out = cat;
	cat = NULL;
	rc = 0;
out:
	if (rc)
		prefix_error(r, err);
	for (i = 0; i < top.folders.n; i++)
		free(top.folders.v[i]);
	free(top.folders.v);
	wals_release(&w);
	free(wals);
	catalog_free(cat);
	return rc;
}

struct first {
	char *key;
};

static int
on_first(void *data, const struct store_object *obj, struct error *err)
{
	struct first *f = data;

	(void)err;
	if (!f->key)
		f->key = xstrdup(obj->key);
	return 0;
}

static int
on_first_prefix(void *data, const char *prefix, struct error *err)
{
	struct first *f = data;

	(void)err;
	if (!f->key)
		f->key = xstrdup(prefix);
	return 0;
}

int
reader_server_used(int *out, char **first_key, struct reader *r,
		   const char *server_name, struct error *err)
{
	struct store_list_opts lo = { 0 };
	struct store_list_cb cb = { 0 };
	struct first f = { NULL };
	char *prefix, *next = NULL;
	int rc;

	prefix = *r->path ? xasprintf("%s/%s/", r->path, server_name)
			  : xasprintf("%s/", server_name);
	lo.prefix = prefix;
	lo.max_keys = 1;
	cb.object = on_first;
	cb.prefix = on_first_prefix;
	cb.data = &f;
	rc = store_list_page(&next, r->st, &lo, &cb, err);
	free(next);
	free(prefix);
	if (rc) {
		free(f.key);
		return -1;
	}
	*out = f.key != NULL;
	if (first_key)
		*first_key = f.key;
	else
		free(f.key);
	return 0;
}

int
reader_catalog_json(json_t **out, const struct archive_config *arch,
		    unsigned flags, struct error *err)
{
	struct reader *r = NULL;
	struct catalog *cat = NULL;
	char *wals = NULL;
	int rc = -1;

	if (reader_open(&r, arch, err) || reader_load(&cat, r, err))
		goto out;
	*out = catalog_to_json(cat);
	if (flags & READER_WAL_DECODE) {
		wals = xasprintf("%swals/", r->prefix);
		walscan_annotate(*out, r->st, wals, cat,
				 !!(flags & READER_RESTORE_POINTS));
	}
	rc = 0;
out:
	free(wals);
	catalog_free(cat);
	reader_free(r);
	return rc;
}
