/*
 * Resolve where a cluster's barman-cloud archive is, and read the Secret
 * keys needed to get in, the way CNPG and the barman-cloud plugin do.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "archive.h"
#include "base64.h"
#include "errors.h"
#include "kube.h"
#include "strbuf.h"
#include "xmalloc.h"

#define PLUGIN_NAME "barman-cloud.cloudnative-pg.io"

static const json_t *
jpath(const json_t *v, const char *a, const char *b, const char *c)
{
	v = json_object_get(v, a);
	if (b)
		v = json_object_get(v, b);
	if (c)
		v = json_object_get(v, c);
	return v;
}

static char *
dup_or_null(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

const char *
archive_model_name(enum archive_model model)
{
	switch (model) {
	case ARCHIVE_MODEL_PLUGIN:
		return "plugin";
	case ARCHIVE_MODEL_INLINE:
		return "inline";
	case ARCHIVE_MODEL_FLAGS:
		return "flags";
	}
	return "flags";
}

int
archive_provider_of(const char *destination_path)
{
	const char *p = destination_path;

	if (!p)
		return -1;
	if (strncmp(p, "s3://", 5) == 0)
		return ARCHIVE_PROVIDER_S3;
	if (strncmp(p, "gs://", 5) == 0)
		return ARCHIVE_PROVIDER_GCS;
	/* https://ACCOUNT.blob.core.windows.net/..., azure://CONTAINER/...,
	 * and (as barman reads any other host) an emulator's
	 * http://HOST:PORT/ACCOUNT/CONTAINER/... */
	if (strncmp(p, "azure://", 8) == 0 || strncmp(p, "https://", 8) == 0 ||
	    strncmp(p, "http://", 7) == 0)
		return ARCHIVE_PROVIDER_AZURE;
	return -1;
}

/* Secrets already read, by name, so each is fetched once. */
struct secret_cache {
	json_t *by_name;
};

/*
 * Read one key of a Secret named by a SecretKeySelector (sel) found at
 * field in owner ("objectstore 'ns/name'").  *out is the caller's.
 */
static int
read_secret_key(char **out, size_t *out_len, struct kube_client *kc,
		const char *ns, const json_t *sel, const char *field,
		const char *owner, struct secret_cache *cache,
		struct error *err)
{
	const char *name = json_string_value(json_object_get(sel, "name"));
	const char *key = json_string_value(json_object_get(sel, "key"));
	const json_t *data, *val;
	json_t *secret;
	char *what;
	char *res;

	if (!name || !key)
		return error_set(err, ERR_CONFIG,
				 "%s %s needs both 'name' and 'key'", owner,
				 field);
	secret = json_object_get(cache->by_name, name);
	if (!secret) {
		secret = kube_get(kc, KUBE_SECRET, ns, name, err);
		if (!secret) {
			if (err->code == ERR_NOT_FOUND) {
				error_clear(err);
				error_set(err, ERR_NOT_FOUND,
					  "secret '%s/%s' referenced by %s %s "
					  "not found",
					  ns, name, owner, field);
				error_hint(
					err,
					"create it: kubectl create secret "
					"generic %s -n %s --from-literal=%s=...",
					name, ns, key);
			}
			return -1;
		}
		json_object_set_new(cache->by_name, name, secret);
	}
	data = json_object_get(secret, "data");
	val = json_object_get(data, key);
	if (!json_is_string(val)) {
		struct strbuf keys = STRBUF_INIT;
		const char *k;
		json_t *unused;

		json_object_foreach((json_t *)(uintptr_t)data, k, unused)
			strbuf_addf(&keys, "%s%s", keys.len ? ", " : "", k);
		error_set(err, ERR_CONFIG,
			  "secret '%s/%s' has no key '%s' (needed by %s %s)",
			  ns, name, key, owner, field);
		if (keys.len)
			error_hint(err, "the secret has the keys: %s; fix %s",
				   keys.buf, field);
		else
			error_hint(err, "the secret '%s/%s' has no data", ns,
				   name);
		strbuf_release(&keys);
		return -1;
	}
	what = xasprintf("secret '%s/%s' key '%s'", ns, name, key);
	res = base64_decode(out_len, json_string_value(val),
			    json_string_length(val), what, err);
	free(what);
	if (!res)
		return -1;
	*out = res;
	return 0;
}

static int
read_optional_key(char **out, size_t *out_len, struct kube_client *kc,
		  const char *ns, const json_t *creds, const char *name,
		  const char *section, const char *owner,
		  struct secret_cache *cache, struct error *err)
{
	const json_t *sel = json_object_get(creds, name);
	size_t len = 0;
	char *field;
	int rc;

	if (!sel)
		return 0;
	field = xasprintf("%s.%s", section, name);
	rc = read_secret_key(out, out_len ? out_len : &len, kc, ns, sel, field,
			     owner, cache, err);
	free(field);
	return rc;
}

static int
fill_from_configuration(struct archive_config *cfg, struct kube_client *kc,
			const char *owner, const char *section,
			struct error *err)
{
	const json_t *conf = cfg->configuration;
	const json_t *s3 = json_object_get(conf, "s3Credentials");
	const json_t *gcs = json_object_get(conf, "googleCredentials");
	const json_t *az = json_object_get(conf, "azureCredentials");
	struct secret_cache cache = { json_object() };
	char *sect = NULL;
	int rc = -1, prov;

	cfg->destination_path = dup_or_null(
		json_string_value(json_object_get(conf, "destinationPath")));
	if (!cfg->destination_path) {
		error_set(err, ERR_CONFIG, "%s has no %s.destinationPath",
			  owner, section);
		goto out;
	}
	cfg->endpoint_url = dup_or_null(
		json_string_value(json_object_get(conf, "endpointURL")));
	cfg->wal_compression = dup_or_null(
		json_string_value(jpath(conf, "wal", "compression", NULL)));
	cfg->data_compression = dup_or_null(
		json_string_value(jpath(conf, "data", "compression", NULL)));

	prov = archive_provider_of(cfg->destination_path);
	if (az)
		prov = ARCHIVE_PROVIDER_AZURE;
	else if (gcs)
		prov = ARCHIVE_PROVIDER_GCS;
	else if (s3)
		prov = ARCHIVE_PROVIDER_S3;
	if (prov < 0) {
		error_set(err, ERR_CONFIG,
			  "%s %s.destinationPath '%s' is not an s3://, gs:// "
			  "or Azure blob URL",
			  owner, section, cfg->destination_path);
		goto out;
	}
	cfg->provider = (enum archive_provider)prov;

	if (json_object_get(conf, "endpointCA")) {
		sect = xasprintf("%s", section);
		if (read_optional_key(&cfg->endpoint_ca_pem,
				      &cfg->endpoint_ca_len, kc, cfg->namespace,
				      conf, "endpointCA", sect, owner, &cache,
				      err))
			goto out;
		free(sect);
		sect = NULL;
	}
	if (s3) {
		sect = xasprintf("%s.s3Credentials", section);
		cfg->inherit_iam_role =
			json_is_true(json_object_get(s3, "inheritFromIAMRole"));
		if (read_optional_key(&cfg->access_key_id, NULL, kc,
				      cfg->namespace, s3, "accessKeyId", sect,
				      owner, &cache, err) ||
		    read_optional_key(&cfg->secret_access_key, NULL, kc,
				      cfg->namespace, s3, "secretAccessKey",
				      sect, owner, &cache, err) ||
		    read_optional_key(&cfg->session_token, NULL, kc,
				      cfg->namespace, s3, "sessionToken", sect,
				      owner, &cache, err) ||
		    read_optional_key(&cfg->region, NULL, kc, cfg->namespace,
				      s3, "region", sect, owner, &cache, err))
			goto out;
		if (!cfg->inherit_iam_role &&
		    (!cfg->access_key_id || !cfg->secret_access_key)) {
			error_set(
				err, ERR_CONFIG,
				"%s %s needs accessKeyId and "
				"secretAccessKey, or inheritFromIAMRole: true",
				owner, sect);
			goto out;
		}
	}
	if (gcs) {
		const json_t *sel =
			json_object_get(gcs, "applicationCredentials");

		free(sect);
		sect = xasprintf("%s.googleCredentials", section);
		cfg->gke_environment =
			json_is_true(json_object_get(gcs, "gkeEnvironment"));
		if (read_optional_key(&cfg->google_credentials,
				      &cfg->google_credentials_len, kc,
				      cfg->namespace, gcs,
				      "applicationCredentials", sect, owner,
				      &cache, err))
			goto out;
		if (cfg->google_credentials)
			cfg->google_credentials_source = xasprintf(
				"'%s/%s' key '%s'", cfg->namespace,
				json_string_value(json_object_get(sel, "name")),
				json_string_value(json_object_get(sel, "key")));
		if (!cfg->gke_environment && !cfg->google_credentials) {
			error_set(err, ERR_CONFIG,
				  "%s %s needs applicationCredentials, or "
				  "gkeEnvironment: true",
				  owner, sect);
			goto out;
		}
	}
	if (az) {
		free(sect);
		sect = xasprintf("%s.azureCredentials", section);
		cfg->azure_ad =
			json_is_true(json_object_get(az, "inheritFromAzureAD"));
		cfg->azure_default_credentials = json_is_true(
			json_object_get(az, "useDefaultAzureCredentials"));
		if (read_optional_key(&cfg->azure_connection_string, NULL, kc,
				      cfg->namespace, az, "connectionString",
				      sect, owner, &cache, err) ||
		    read_optional_key(&cfg->azure_storage_account, NULL, kc,
				      cfg->namespace, az, "storageAccount",
				      sect, owner, &cache, err) ||
		    read_optional_key(&cfg->azure_storage_key, NULL, kc,
				      cfg->namespace, az, "storageKey", sect,
				      owner, &cache, err) ||
		    read_optional_key(&cfg->azure_sas_token, NULL, kc,
				      cfg->namespace, az, "storageSasToken",
				      sect, owner, &cache, err))
			goto out;
		if (!cfg->azure_connection_string && !cfg->azure_ad &&
		    !cfg->azure_default_credentials &&
		    (!cfg->azure_storage_account ||
		     (!cfg->azure_storage_key && !cfg->azure_sas_token))) {
			error_set(err, ERR_CONFIG,
				  "%s %s needs connectionString, or "
				  "storageAccount with storageKey or "
				  "storageSasToken, or inheritFromAzureAD",
				  owner, sect);
			goto out;
		}
	}
	rc = 0;
out:
	free(sect);
	json_decref(cache.by_name);
	return rc;
}

static const json_t *
find_plugin(const json_t *cluster)
{
	const json_t *plugins = jpath(cluster, "spec", "plugins", NULL);
	const json_t *p, *found = NULL;
	size_t i;

	json_array_foreach(plugins, i, p)
	{
		const char *name =
			json_string_value(json_object_get(p, "name"));

		if (!name || strcmp(name, PLUGIN_NAME) != 0)
			continue;
		if (json_is_false(json_object_get(p, "enabled")))
			continue;
		if (json_is_true(json_object_get(p, "isWALArchiver")))
			return p;
		if (!found)
			found = p;
	}
	return found;
}

static void
hint_object_stores(struct kube_client *kc, const char *ns, struct error *err)
{
	struct error lerr = ERROR_INIT;
	struct strbuf sb = STRBUF_INIT;
	json_t *list = kube_list(kc, KUBE_OBJECT_STORE, ns, NULL, &lerr);
	const json_t *it;
	size_t i;

	error_clear(&lerr);
	json_array_foreach(json_object_get(list, "items"), i, it)
	{
		const char *n =
			json_string_value(jpath(it, "metadata", "name", NULL));

		if (n)
			strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", n);
	}
	if (sb.len)
		error_hint(err,
			   "objectstores in namespace '%s': %s; fix "
			   "barmanObjectName or create the ObjectStore",
			   ns, sb.buf);
	else
		error_hint(
			err,
			"namespace '%s' has no ObjectStore: create one, "
			"or fix barmanObjectName (the cluster cannot archive "
			"WAL until then)",
			ns);
	strbuf_release(&sb);
	json_decref(list);
}

int
archive_resolve(struct archive_config **out, struct kube_client *kc,
		const char *ns, const json_t *cluster, const char *object_store,
		struct error *err)
{
	struct archive_config *cfg = xcalloc(1, sizeof(*cfg));
	const char *cname =
		json_string_value(jpath(cluster, "metadata", "name", NULL));
	const json_t *plugin = find_plugin(cluster);
	const json_t *inl =
		jpath(cluster, "spec", "backup", "barmanObjectStore");
	char *owner = NULL;
	json_t *os = NULL;
	const char *server = NULL;

	if (!cname)
		cname = "?";
	cfg->cluster_name = xstrdup(cname);
	cfg->namespace = xstrdup(ns);
	if (plugin || object_store) {
		const json_t *params = json_object_get(plugin, "parameters");
		const char *osname = object_store;

		cfg->model = ARCHIVE_MODEL_PLUGIN;
		if (!osname)
			osname = json_string_value(
				json_object_get(params, "barmanObjectName"));
		if (!osname) {
			error_set(err, ERR_CONFIG,
				  "cluster '%s/%s' uses the %s plugin without "
				  "parameters.barmanObjectName",
				  ns, cname, PLUGIN_NAME);
			error_hint(err, "set barmanObjectName in the cluster's "
					"spec.plugins entry, or pass "
					"--object-store NAME");
			goto fail;
		}
		cfg->object_store_name = xstrdup(osname);
		os = kube_get(kc, KUBE_OBJECT_STORE, ns, osname, err);
		if (!os) {
			if (err->code == ERR_NOT_FOUND) {
				error_clear(err);
				error_set(err, ERR_NOT_FOUND,
					  "objectstore '%s/%s' named by "
					  "cluster '%s/%s' not found",
					  ns, osname, ns, cname);
				hint_object_stores(kc, ns, err);
			}
			goto fail;
		}
		cfg->configuration = json_deep_copy(
			jpath(os, "spec", "configuration", NULL));
		server = json_string_value(
			json_object_get(params, "serverName"));
		owner = xasprintf("objectstore '%s/%s'", ns, osname);
		if (!cfg->configuration) {
			error_set(err, ERR_CONFIG,
				  "%s has no spec.configuration", owner);
			goto fail;
		}
		if (fill_from_configuration(cfg, kc, owner,
					    "spec.configuration", err))
			goto fail;
	} else if (inl) {
		cfg->model = ARCHIVE_MODEL_INLINE;
		cfg->configuration = json_deep_copy(inl);
		server = json_string_value(json_object_get(inl, "serverName"));
		owner = xasprintf("cluster '%s/%s'", ns, cname);
		if (fill_from_configuration(cfg, kc, owner,
					    "spec.backup.barmanObjectStore",
					    err))
			goto fail;
	} else {
		error_set(err, ERR_PRECONDITION,
			  "cluster '%s/%s' has no backup archive: no %s entry "
			  "in spec.plugins and no "
			  "spec.backup.barmanObjectStore",
			  ns, cname, PLUGIN_NAME);
		error_hint(err, "configure the barman-cloud plugin for the "
				"cluster, or read an archive directly with "
				"--destination-path s3://BUCKET/PATH "
				"--server-name NAME");
		goto fail;
	}
	if (server && *server) {
		cfg->server_name = xstrdup(server);
	} else {
		cfg->server_name = xstrdup(cname);
		cfg->server_name_defaulted = 1;
	}
	free(owner);
	json_decref(os);
	*out = cfg;
	return 0;
fail:
	free(owner);
	json_decref(os);
	archive_config_free(cfg);
	return -1;
}

int
archive_from_flags(struct archive_config **out, const char *destination_path,
		   const char *server_name, const char *endpoint_url,
		   const char *endpoint_ca_file, const char *region,
		   struct error *err)
{
	struct archive_config *cfg;
	int prov = archive_provider_of(destination_path);

	if (!destination_path || !server_name)
		return error_set(err, ERR_USAGE,
				 "--destination-path and --server-name go "
				 "together");
	if (prov < 0)
		return error_set(err, ERR_USAGE,
				 "destination path '%s' is not an s3://, gs:// "
				 "or Azure blob URL",
				 destination_path);
	cfg = xcalloc(1, sizeof(*cfg));
	cfg->model = ARCHIVE_MODEL_FLAGS;
	cfg->provider = (enum archive_provider)prov;
	cfg->destination_path = xstrdup(destination_path);
	cfg->server_name = xstrdup(server_name);
	cfg->endpoint_url = dup_or_null(endpoint_url);
	cfg->region = dup_or_null(region);
	if (endpoint_ca_file) {
		struct strbuf sb = STRBUF_INIT;

		if (strbuf_read_file(&sb, endpoint_ca_file,
				     (size_t)16 * 1024 * 1024) < 0) {
			strbuf_release(&sb);
			archive_config_free(cfg);
			return error_set(err, ERR_IO,
					 "cannot read endpoint CA '%s': %s",
					 endpoint_ca_file, strerror(errno));
		}
		cfg->endpoint_ca_pem =
			strbuf_detach(&sb, &cfg->endpoint_ca_len);
	}
	*out = cfg;
	return 0;
}

char *
archive_server_path(const struct archive_config *cfg)
{
	const char *p = cfg->destination_path;
	size_t len = strlen(p);

	while (len > 0 && p[len - 1] == '/')
		len--;
	return xasprintf("%.*s/%s/", (int)len, p, cfg->server_name);
}

int
archive_is_double_nested(const struct archive_config *cfg)
{
	const char *p = cfg->destination_path;
	const char *scheme = strstr(p, "://");
	const char *path = scheme ? strchr(scheme + 3, '/') : NULL;
	size_t len = strlen(p), sl = strlen(cfg->server_name);

	if (!path) /* s3://bucket alone: no prefix to repeat */
		return 0;
	while (len > 0 && p[len - 1] == '/')
		len--;
	if (len < sl + 1 || p + len - sl - 1 < path)
		return 0;
	return p[len - sl - 1] == '/' &&
	       strncmp(p + len - sl, cfg->server_name, sl) == 0;
}

void
archive_config_free(struct archive_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->cluster_name);
	free(cfg->namespace);
	free(cfg->object_store_name);
	free(cfg->destination_path);
	free(cfg->server_name);
	free(cfg->endpoint_url);
	free_secret_len(cfg->endpoint_ca_pem, cfg->endpoint_ca_len);
	free(cfg->region);
	free_secret(cfg->access_key_id);
	free_secret(cfg->secret_access_key);
	free_secret(cfg->session_token);
	free_secret_len(cfg->google_credentials, cfg->google_credentials_len);
	free(cfg->google_credentials_source);
	free_secret(cfg->azure_connection_string);
	free(cfg->azure_storage_account);
	free_secret(cfg->azure_storage_key);
	free_secret(cfg->azure_sas_token);
	free(cfg->wal_compression);
	free(cfg->data_compression);
	json_decref(cfg->configuration);
	free(cfg);
}
