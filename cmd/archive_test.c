/*
 * archive-test: test the archive the way barman uses it, from here, one
 * check per line, stopping at the first failure that makes the rest
 * meaningless, and end with the diagnosis and the fix.
 *
 * usage: kubectl cnpgops archive-test CLUSTER [--object-store NAME]
 *        [--write] [-o json]
 *        kubectl cnpgops archive-test --destination-path URL
 *        --server-name NAME [--endpoint-url URL] [--endpoint-ca FILE]
 *        [--region REGION] [--write] [-o json]
 *
 * Checks: the configuration (plugin ObjectStore or inline, Secrets and keys,
 * serverName, the full path), the layout (double nesting), the endpoint
 * (DNS, TCP, TLS with the configured CA), then, with the object-store
 * client, authentication and permissions and an optional write probe.
 * Exit 0 when every check passes, 1 when one fails, 3 when the cluster has
 * no archive configured.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "archive.h"
#include "cli.h"
#include "http.h"
#include "kube.h"
#include "output.h"
#include "plan.h"
#include "reader.h"
#include "s3.h"
#include "store.h"
#include "strbuf.h"
#include "xmalloc.h"

struct archive_test_opts {
	struct archive_flags af;
	int write;
};

enum { OPT_WRITE = OPT_LOCAL_BASE };

static int archive_test_opt(void *state, int ch, const char *arg,
			    struct error *err);
static int archive_test_exec(struct cmd_ctx *ctx, int argc, char **argv);

static const struct option archive_test_longopts[] = {
	GLOBAL_LONGOPTS,
	ARCHIVE_FLAGS_LONGOPTS,
	{ "write", no_argument, NULL, OPT_WRITE },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_archive_test_entry = {
	.name = "archive-test",
	.usage = "(CLUSTER [--object-store NAME] | --destination-path "
		 "URL --server-name NAME [--endpoint-url URL] "
		 "[--endpoint-ca FILE] [--region REGION]) [--write] [-o json]",
	.summary = "Test the archive's endpoint, credentials and path as "
		   "barman uses them",
	.help = ARCHIVE_FLAGS_HELP
	"      --write                  also write, read back and "
	"delete a probe object\n",
	.shortopts = "",
	.longopts = archive_test_longopts,
	.min_args = 0,
	.max_args = 1,
	.flags = 0,
	.state_size = sizeof(struct archive_test_opts),
	.opt = archive_test_opt,
	.exec = archive_test_exec,
};

static int
archive_test_opt(void *state, int ch, const char *arg, struct error *err)
{
	struct archive_test_opts *o = state;

	if (ARCHIVE_FLAG(ch))
		return archive_flags_parse(&o->af, ch, arg, err);
	switch (ch) {
	case OPT_WRITE:
		o->write = 1;
		return 0;
	}
	return error_set(err, ERR_INTERNAL, "unhandled flag %d", ch);
}

/* The report: one entry per check, printed as it is made. */
struct report {
	json_t *checks;
	int json;
	int tty;
	int failed;
};

static void record(struct report *r, const char *status, const char *name,
		   const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void
record(struct report *r, const char *status, const char *name, const char *fix,
       const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *c;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	c = json_pack("{s:s, s:s, s:s}", "check", name, "status", status,
		      "message", sb.buf);
	if (fix)
		json_object_set_new(c, "fix", json_string(fix));
	json_array_append_new(r->checks, c);
	if (strcmp(status, "fail") == 0)
		r->failed = 1;
	if (!r->json) {
		const char *mark = status;

		if (r->tty)
			mark = strcmp(status, "ok") == 0     ? "✓"
			       : strcmp(status, "fail") == 0 ? "✗"
							     : "-";
		printf("%-4s %s: %s\n", mark, name, sb.buf);
		if (fix)
			printf("     fix: %s\n", fix);
		fflush(stdout);
	}
	strbuf_release(&sb);
}

/* The endpoint of an archive whose store could not be opened. */
static char *
endpoint_of(const struct archive_config *a)
{
	const char *region = a->region ? a->region : getenv("AWS_REGION");
	const char *p;

	if (a->endpoint_url)
		return xstrdup(a->endpoint_url);
	switch (a->provider) {
	case ARCHIVE_PROVIDER_GCS:
		p = getenv("STORAGE_EMULATOR_HOST");
		if (p && *p)
			return strstr(p, "://") ? xstrdup(p)
						: xasprintf("http://%s", p);
		return xstrdup("https://storage.googleapis.com");
	case ARCHIVE_PROVIDER_AZURE:
		p = strstr(a->destination_path, "://");
		if (!p || strncmp(a->destination_path, "azure", 5) == 0)
			return xstrdup("https://blob.core.windows.net");
		return xstrndup(a->destination_path,
				(size_t)(p + 3 - a->destination_path) +
					strcspn(p + 3, "/"));
	default:
		if (!region)
			region = getenv("AWS_DEFAULT_REGION");
		return xasprintf("https://s3.%s.amazonaws.com",
				 region ? region : "us-east-1");
	}
}

static void
in_pod_hint(struct report *r, const struct archive_config *a, const char *ns)
{
	char *path = archive_server_path(a);
	char *cmd = xasprintf(
		"kubectl exec -n %s %s-1 -c %s -- barman-cloud-wal-archive "
		"--test%s%s --cloud-provider %s %s %s "
		"000000010000000000000001",
		ns ? ns : "NAMESPACE",
		a->cluster_name ? a->cluster_name : "CLUSTER",
		a->model == ARCHIVE_MODEL_PLUGIN ? "plugin-barman-cloud"
						 : "postgres",
		a->endpoint_url ? " --endpoint-url " : "",
		a->endpoint_url ? a->endpoint_url : "",
		a->provider == ARCHIVE_PROVIDER_GCS	? "google-cloud-storage"
		: a->provider == ARCHIVE_PROVIDER_AZURE ? "azure-blob-storage"
							: "aws-s3",
		a->destination_path, a->server_name);

	record(r, "skip", "identity", cmd,
	       "the cluster authenticates with its pods' own identity (%s), "
	       "which cannot be used from here: the checks below use the "
	       "local identity, so they prove the path and the store, not "
	       "the pods' binding; run the check inside a pod for that",
	       a->inherit_iam_role  ? "inheritFromIAMRole"
	       : a->gke_environment ? "GKE Workload Identity"
				    : "Azure AD");
	free(cmd);
	free(path);
}

/* The fix for a failure: S3's codes have their own, else the store's
 * hint. */
static const char *
fix_for(const struct store *st, const char *code, const char *hint)
{
	if (strcmp(store_provider(st), "s3") != 0)
		return hint;
	if (strcmp(code, "InvalidAccessKeyId") == 0)
		return "the access key does not exist for this endpoint: fix "
		       "accessKeyId in the Secret (and check endpointURL)";
	if (strcmp(code, "SignatureDoesNotMatch") == 0)
		return "the secret key is wrong (or this machine's clock is "
		       "off): fix secretAccessKey in the Secret";
	if (strcmp(code, "AccessDenied") == 0)
		return "grant s3:ListBucket on the bucket and s3:GetObject, "
		       "s3:PutObject on the prefix to this identity";
	if (strcmp(code, "NoSuchBucket") == 0)
		return "create the bucket, or fix the bucket in "
		       "destinationPath";
	if (strcmp(code, "PermanentRedirect") == 0 ||
	    strcmp(code, "AuthorizationHeaderMalformed") == 0)
		return "set the bucket's region (s3Credentials.region)";
	if (strcmp(code, "ExpiredToken") == 0)
		return "the session token has expired: refresh the credentials";
	return hint;
}

/* What a listing proves, in the provider's words. */
static const char *
list_permission(const struct store *st)
{
	if (strcmp(store_provider(st), "gcs") == 0)
		return "storage.objects.list";
	if (strcmp(store_provider(st), "azure") == 0)
		return "List Blobs";
	return "s3:ListBucket";
}

/*
 * GKE Workload Identity: the two halves of the binding that a 403 from
 * inside the pod points at (the local identity was tested here).
 */
static void
workload_identity_hint(struct report *r, const struct archive_config *a,
		       const char *ns)
{
	const char *n = ns ? ns : "NAMESPACE";
	const char *c = a->cluster_name ? a->cluster_name : "CLUSTER";

	record(r, "skip", "workload-identity", NULL,
	       "the pods act as the Google service account (GSA) that the "
	       "Kubernetes service account '%s/%s' is bound to (CNPG names "
	       "it after the cluster); both halves must hold: (1) '%s/%s' "
	       "carries the annotation iam.gke.io/gcp-service-account=GSA "
	       "(spec.serviceAccountTemplate.metadata.annotations), and (2) "
	       "the GSA grants roles/iam.workloadIdentityUser to "
	       "serviceAccount:PROJECT.svc.id.goog[%s/%s]; the GSA itself "
	       "needs roles/storage.objectAdmin and storage.buckets.get "
	       "(roles/storage.legacyBucketReader) on the bucket",
	       n, c, n, c, n, c);
}

/*
 * A cluster still bootstrapping archives into this path only if it is
 * empty: CNPG's "Expected empty archive" check stops it otherwise.
 */
static void
check_bootstrap_path(struct report *r, const struct archive_config *arch,
		     const json_t *cluster)
{
	const json_t *st = json_object_get(cluster, "status");
	const char *phase = json_string_value(json_object_get(st, "phase"));
	struct error err = ERROR_INIT;

	if (json_integer_value(json_object_get(st, "readyInstances")) > 0 ||
	    (phase && strcmp(phase, "Setting up primary") != 0))
		return; /* running: a used path is its own archive */
	if (plan_check_empty(arch, arch->server_name, &err) == 0) {
		record(r, "ok", "bootstrap", NULL,
		       "the cluster is bootstrapping and the path for "
		       "serverName '%s' is empty, as CNPG requires",
		       arch->server_name);
	} else if (err.code == ERR_PRECONDITION) {
		record(r, "fail", "bootstrap",
		       "give the cluster a serverName whose path is empty "
		       "(plugin parameters.serverName or "
		       "barmanObjectStore.serverName), or empty the path if "
		       "nothing in it is needed",
		       "the cluster is bootstrapping but %s: it cannot start",
		       err.msg);
	}
	error_clear(&err);
}

static int
check_credentials(struct report *r, struct reader *rd,
		  const struct archive_config *arch, const char *ns, int write)
{
	struct store *st = reader_store(rd);
	struct store_list_opts lo = { 0 };
	struct store_list_cb cb = { 0 };
	struct error lerr = ERROR_INIT;
	char *next = NULL, *probe = NULL, *shown = archive_server_path(arch);
	int rc = -1;

	lo.prefix = reader_prefix(rd);
	lo.max_keys = 1;
	if (store_list_page(&next, st, &lo, &cb, &lerr)) {
		const struct store_last_error *le = store_last_error(st);

		record(r, "fail", "credentials",
		       fix_for(st, le->code, lerr.hint), "%s", lerr.msg);
		if (arch->gke_environment && le->http_status == 403)
			workload_identity_hint(r, arch, ns);
		goto out;
	}
	{
		char *where = archive_server_path(arch);
		const char *region = store_region(st);

		record(r, "ok", "credentials", NULL,
		       "listed %s as %s (%s works)", where, store_identity(st),
		       list_permission(st));
		/* a redirect found the bucket's region: say which */
		if (region &&
		    (!arch->region || strcmp(arch->region, region) != 0))
			record(r, "ok", "region",
			       arch->region ? "set s3Credentials.region (or "
					      "--region) to it"
					    : NULL,
			       "the bucket is in %s%s%s", region,
			       arch->region ? ", not " : "",
			       arch->region ? arch->region : "");
		free(where);
	}
	if (write) {
		struct strbuf got = STRBUF_INIT;
		char body[64];
		int ok;

		snprintf(body, sizeof(body), "cnpgops archive-test %ld\n",
			 (long)time(NULL));
		probe = xasprintf("%scnpgops-probe-%ld-%d", reader_prefix(rd),
				  (long)time(NULL), (int)getpid());
		ok = store_put(st, probe, body, strlen(body), &lerr) == 0 &&
		     store_get(&got, st, probe, 4096, &lerr) == 0 &&
		     strcmp(got.buf, body) == 0;
		/* always removed, even when the read back failed */
		if (store_delete(st, probe, ok ? &lerr : NULL) && ok)
			ok = 0;
		strbuf_release(&got);
		if (!ok) {
			const struct store_last_error *le =
				store_last_error(st);

			record(r, "fail", "write",
			       fix_for(st, le->code, lerr.hint),
			       "writing, reading back and deleting %s%s: %s",
			       shown, strrchr(probe, '/') + 1,
			       lerr.msg ? lerr.msg : "content differs");
			goto out;
		}
		record(r, "ok", "write", NULL,
		       "wrote, read back and deleted %s%s", shown,
		       strrchr(probe, '/') + 1);
	}
	rc = 0;
out:
	free(shown);
	free(next);
	free(probe);
	error_clear(&lerr);
	return rc;
}

static int
archive_test_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct archive_test_opts *o = ctx->state;
	struct report r = { json_array(), ctx->g->output == OUTPUT_JSON,
			    isatty(STDOUT_FILENO), 0 };
	struct archive_config *arch = NULL;
	struct reader *rd = NULL;
	struct error lerr = ERROR_INIT;
	struct http_probe probe;
	json_t *cluster = NULL, *doc = NULL;
	char *path = NULL, *endpoint = NULL, *fix = NULL;
	int rc = -1;

	/* 1. configuration */
	if (archive_flags_resolve(&arch, &cluster, ctx, &o->af, argc, argv)) {
		/*
		 * A cluster whose archive configuration is broken is a
		 * failed check; no archive at all is exit 3.
		 */
		if (!cluster || ctx->err->code == ERR_PRECONDITION)
			goto out;
		record(&r, "fail", "configuration", ctx->err->hint, "%s",
		       ctx->err->msg);
		error_clear(ctx->err);
		goto report;
	}
	path = archive_server_path(arch);
	if (arch->model == ARCHIVE_MODEL_PLUGIN)
		record(&r, "ok", "configuration", NULL,
		       "barman-cloud plugin, ObjectStore '%s/%s', serverName "
		       "'%s'%s; the archive is %s",
		       arch->namespace, arch->object_store_name,
		       arch->server_name,
		       arch->server_name_defaulted ? " (the cluster's name)"
						   : "",
		       path);
	else if (arch->model == ARCHIVE_MODEL_INLINE)
		record(&r, "ok", "configuration", NULL,
		       "inline spec.backup.barmanObjectStore, serverName "
		       "'%s'%s; the archive is %s",
		       arch->server_name,
		       arch->server_name_defaulted ? " (the cluster's name)"
						   : "",
		       path);
	else
		record(&r, "ok", "configuration", NULL, "the archive is %s",
		       path);
	/* 2. layout */
	if (archive_is_double_nested(arch)) {
		fix = xasprintf("set destinationPath to the parent prefix "
				"(without the trailing '/%s')",
				arch->server_name);
		record(&r, "fail", "layout", fix,
		       "destinationPath '%s' already ends with the serverName: "
		       "barman appends it, so WAL goes to %s",
		       arch->destination_path, path);
		free(fix);
		fix = NULL;
	} else {
		record(&r, "ok", "layout", NULL,
		       "destinationPath is the parent prefix of the server "
		       "folder");
	}

	/* 3. endpoint: DNS, TCP, TLS (the store's client knows it; without
	 * credentials it is not made, and the endpoint is worked out) */
	if (reader_open(&rd, arch, &lerr) == 0)
		endpoint = xstrdup(store_endpoint(reader_store(rd)));
	else
		endpoint = endpoint_of(arch);
	if (http_probe(&probe, endpoint, arch->endpoint_ca_pem,
		       arch->endpoint_ca_len,
		       ctx->g->request_timeout_ms ? ctx->g->request_timeout_ms
						  : 10000)) {
		switch (probe.stage) {
		case HTTP_PROBE_URL:
			record(&r, "fail", "endpoint", "fix endpointURL",
			       "'%s' is not a usable URL: %s", endpoint,
			       probe.detail);
			break;
		case HTTP_PROBE_DNS:
			record(&r, "fail", "endpoint",
			       "check endpointURL and the DNS of this machine "
			       "(and of the cluster: a default-deny "
			       "NetworkPolicy also blocks DNS)",
			       "the host of %s does not resolve: %s", endpoint,
			       probe.detail);
			break;
		case HTTP_PROBE_CONNECT:
			record(&r, "fail", "endpoint",
			       "check endpointURL and its port, and firewalls "
			       "or NetworkPolicies between you and it",
			       "cannot connect to %s%s%s: %s", endpoint,
			       *probe.address ? " at " : "", probe.address,
			       probe.detail);
			break;
		default:
			record(&r, "fail", "tls",
			       probe.tls_unknown_ca
				       ? "set endpointCA to the Secret key that "
					 "holds the CA which signed the "
					 "endpoint's certificate"
			       : probe.tls_name_mismatch
				       ? "use the host name the certificate is "
					 "for in endpointURL"
			       : probe.tls_expired
				       ? "renew the endpoint's certificate"
				       : NULL,
			       "TLS with %s failed%s: %s", endpoint,
			       probe.tls_unknown_ca	 ? " (unknown CA)"
			       : probe.tls_name_mismatch ? " (name mismatch)"
			       : probe.tls_expired ? " (certificate expired)"
						   : "",
			       probe.detail);
			break;
		}
		goto report;
	}
	record(&r, "ok", "endpoint", NULL, "%s reachable at %s%s", endpoint,
	       probe.address,
	       probe.tls ? ", TLS verified with the configured CA" : "");

	/* 4. the store's client: the credentials were found */
	if (!rd) {
		record(&r, "fail", "credentials", lerr.hint, "%s", lerr.msg);
		goto report;
	}

	/* 5. an identity that only the pods have: the local one is used */
	if (arch->inherit_iam_role || arch->gke_environment || arch->azure_ad)
		in_pod_hint(&r, arch, ctx->namespace);

	/* 6. authentication, permissions, the write probe */
	if (check_credentials(&r, rd, arch, ctx->namespace, o->write) == 0 &&
	    cluster)
		check_bootstrap_path(&r, arch, cluster);

report:
	if (r.json) {
		doc = json_pack("{s:O, s:s}", "checks", r.checks, "result",
				r.failed ? "fail" : "pass");
		if (path)
			json_object_set_new(doc, "archive", json_string(path));
		if (output_json(stdout, doc, ctx->err))
			goto out;
	}
	rc = r.failed ? 1 : 0;
out:
	json_decref(doc);
	json_decref(r.checks);
	json_decref(cluster);
	error_clear(&lerr);
	reader_free(rd);
	archive_config_free(arch);
	free(path);
	free(endpoint);
	return rc;
}
