/* gcs: the GCS dialect, not written yet. */
#include "gcs.h"
#include "archive.h"
#include "errors.h"

int
gcs_store_open(struct store **out, char **bucket_prefix,
	       const struct archive_config *arch, struct error *err)
{
	(void)out;
	(void)bucket_prefix;
	return error_set(err, ERR_USAGE,
			 "'%s': this version reads S3 archives only",
			 arch->destination_path);
}
