/*
 * archive: where a cluster's barman-cloud archive is and how to get in.
 *
 * Resolves, from a Cluster object, the archive configuration the way CNPG
 * and the barman-cloud plugin do: the plugin model (spec.plugins[] entry
 * barman-cloud.cloudnative-pg.io with isWALArchiver, its parameters
 * barmanObjectName and serverName, and the ObjectStore's
 * spec.configuration), or the inline model (spec.backup.barmanObjectStore).
 * serverName defaults to the cluster's name.  Only the Secret keys the
 * configuration references are read.  The same struct can be filled from
 * command-line flags for use without cluster access.
 */
#ifndef CNPGOPS_ARCHIVE_H
#define CNPGOPS_ARCHIVE_H

#include <stddef.h>

#include <jansson.h>

struct error;
struct kube_client;

enum archive_model {
	ARCHIVE_MODEL_FLAGS = 0, /* from --destination-path and friends */
	ARCHIVE_MODEL_PLUGIN, /* barman-cloud plugin + ObjectStore */
	ARCHIVE_MODEL_INLINE /* spec.backup.barmanObjectStore */
};

enum archive_provider {
	ARCHIVE_PROVIDER_S3 = 0,
	ARCHIVE_PROVIDER_GCS,
	ARCHIVE_PROVIDER_AZURE
};

/* Where a Secret-held value came from, for messages: "secret 'ns/n' key k". */
struct archive_config {
	enum archive_model model;
	enum archive_provider provider;
	char *cluster_name; /* NULL for ARCHIVE_MODEL_FLAGS */
	char *namespace; /* of the cluster / ObjectStore */
	char *object_store_name; /* ARCHIVE_MODEL_PLUGIN */
	char *destination_path; /* as configured, e.g. s3://bucket/prefix */
	char *server_name; /* resolved */
	int server_name_defaulted; /* not set explicitly: the cluster name */
	char *endpoint_url; /* NULL: the provider's default */
	char *endpoint_ca_pem; /* PEM, in memory only */
	size_t endpoint_ca_len;
	char *region; /* NULL: environment or discovery */
	/* credentials; NULL when not configured (then: environment) */
	char *access_key_id;
	char *secret_access_key; /* secret */
	char *session_token; /* secret */
	int inherit_iam_role; /* s3Credentials.inheritFromIAMRole */
	/* googleCredentials.applicationCredentials: a key file (secret) */
	char *google_credentials;
	size_t google_credentials_len;
	char *google_credentials_source; /* "'ns/name' key k" */
	/* azureCredentials */
	char *azure_connection_string; /* secret */
	char *azure_storage_account;
	char *azure_storage_key; /* secret */
	char *azure_sas_token; /* secret */
	int azure_default_credentials; /* useDefaultAzureCredentials */
	int gke_environment; /* googleCredentials.gkeEnvironment */
	int azure_ad; /* azureCredentials.inheritFromAzureAD */
	char *wal_compression; /* wal.compression, or NULL */
	char *data_compression; /* data.compression, or NULL */
	json_t *configuration; /* the BarmanObjectStoreConfiguration */
};

/*
 * Resolve the archive of cluster (borrowed) in namespace ns.  If
 * object_store is not NULL it overrides the plugin's barmanObjectName.
 * Reads the ObjectStore and the referenced Secret keys through kc.
 * Errors: ERR_PRECONDITION when the cluster has no archive configured (with
 * a hint), ERR_NOT_FOUND for a missing ObjectStore or Secret, ERR_CONFIG for
 * a missing key or an unusable configuration, and whatever kube_get sets.
 */
int archive_resolve(struct archive_config **out, struct kube_client *kc,
		    const char *ns, const json_t *cluster,
		    const char *object_store, struct error *err);

/*
 * The same from flags: destination path and server name are required;
 * endpoint_ca_file (PEM) is read into memory.  Credentials stay NULL (the
 * object-store client takes them from the environment).  Errors: ERR_USAGE,
 * ERR_IO for an unreadable CA file.
 */
int archive_from_flags(struct archive_config **out,
		       const char *destination_path, const char *server_name,
		       const char *endpoint_url, const char *endpoint_ca_file,
		       const char *region, struct error *err);

/*
 * "<destinationPath>/<serverName>/" as barman lays it out: the prefix that
 * holds base/ and wals/.  The caller frees it.
 */
char *archive_server_path(const struct archive_config *cfg);

/*
 * Does destinationPath already end with the serverName?  barman appends the
 * serverName itself, so this gives <path>/<server>/<server>/.
 */
int archive_is_double_nested(const struct archive_config *cfg);

/* The provider of a destination path; -1 when unknown. */
int archive_provider_of(const char *destination_path);

const char *archive_model_name(enum archive_model model);

/* Clear the secrets and free. */
void archive_config_free(struct archive_config *cfg);

#endif
