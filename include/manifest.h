/*
 * manifest: the objects this tool creates, built as json_t by pure
 * functions (no I/O), so that they can be compared with tests/golden/ and
 * validated against the CRDs.  Keys are inserted in the order kubectl users
 * expect to read them: apiVersion, kind, metadata, spec.
 */
#ifndef CNPGOPS_MANIFEST_H
#define CNPGOPS_MANIFEST_H

#include <jansson.h>

/* A tri-state flag: not given, false, true. */
enum manifest_tristate { MANIFEST_UNSET = 0, MANIFEST_FALSE, MANIFEST_TRUE };

struct manifest_backup {
	const char *name;
	const char *namespace;
	const char *cluster;
	const char *method; /* barmanObjectStore, volumeSnapshot, plugin */
	const char *plugin_name; /* method plugin: pluginConfiguration.name */
	const char *target; /* primary, prefer-standby, or NULL */
	enum manifest_tristate online;
	enum manifest_tristate immediate_checkpoint;
	enum manifest_tristate wait_for_archive;
};

/*
 * A postgresql.cnpg.io/v1 Backup labelled cnpg.io/cluster=CLUSTER.  Returns
 * a new reference.
 */
json_t *manifest_backup(const struct manifest_backup *b);

struct manifest_scheduled_backup {
	const char *name;
	const char *namespace;
	const char *cluster;
	const char *schedule; /* six fields, seconds first */
	const char *method;
	const char *plugin_name;
	const char *target;
	const char *owner; /* backupOwnerReference: none, self, cluster */
	int immediate;
	int suspend;
	enum manifest_tristate online;
	enum manifest_tristate immediate_checkpoint;
	enum manifest_tristate wait_for_archive;
};

/*
 * A postgresql.cnpg.io/v1 ScheduledBackup labelled cnpg.io/cluster=CLUSTER.
 * Returns a new reference.
 */
json_t *manifest_scheduled_backup(const struct manifest_scheduled_backup *s);

/* What a recovery Cluster stops at (recoveryTarget). */
enum manifest_target_kind {
	MANIFEST_TARGET_LATEST = 0, /* the end of the archived WAL */
	MANIFEST_TARGET_TIME, /* targetTime */
	MANIFEST_TARGET_LSN, /* targetLSN */
	MANIFEST_TARGET_XID, /* targetXID */
	MANIFEST_TARGET_NAME, /* targetName (a restore point) */
	MANIFEST_TARGET_IMMEDIATE /* targetImmediate: end of the backup */
};

struct manifest_recovery {
	const json_t *source; /* the source Cluster as the API returned it */
	const char *name; /* the new Cluster */
	const char *namespace;
	/* the source's archive */
	int plugin_model; /* 1: plugin + ObjectStore; 0: inline */
	const char *object_store; /* plugin model: barmanObjectName */
	const json_t *inline_config; /* inline model: the configuration */
	const char *server_name; /* the source's serverName */
	/* the plan */
	const char *backup_id; /* pinned; NULL lets CNPG choose */
	enum manifest_target_kind target;
	const char *target_value; /* time in CNPG's form, LSN, xid, name */
	int exclusive;
	unsigned target_tli; /* 0: not set (PostgreSQL follows latest) */
	/* the new cluster */
	int instances; /* 0: the source's */
	const char *archive_server; /* archive under this serverName, or NULL */
};

/*
 * bootstrap.recovery.recoveryTarget of r's plan (backupID, targetTLI, the
 * target, exclusive), or NULL when it has none of them.  A new reference.
 */
json_t *manifest_recovery_target(const struct manifest_recovery *r);

/*
 * A postgresql.cnpg.io/v1 Cluster that recovers from the source's archive:
 * the source's instance definition (image, PostgreSQL settings, storage,
 * resources, affinity, ...) without its identity, status, bootstrap,
 * backup or archiving; bootstrap.recovery from an externalClusters entry
 * in the source's model with serverName always explicit; recoveryTarget
 * with the pinned backup; database, owner and secret from the source's
 * initdb.  It archives only when archive_server is set.  Returns a new
 * reference.
 */
json_t *manifest_recovery_cluster(const struct manifest_recovery *r);

/* How a clone for development is cut down (manifest_size_for_dev). */
struct manifest_dev {
	int instances; /* 0: one */
	const char *storage_size; /* NULL: the source's */
	const char *storage_class;
	const char *cpu; /* requests.cpu, or NULL to keep */
	const char *memory; /* requests and limits memory, or NULL */
	int keep_affinity;
	int keep_tolerations;
	int keep_monitoring;
};

/*
 * Cut a recovery Cluster (modified in place) down for development: one
 * instance, no affinity or tolerations to dedicated node pools, no
 * PodMonitor, no cloud workload-identity annotations on the service
 * account, storage and resources as given.  Each removal is appended to
 * removed (a JSON array of strings) so that the caller can list it.
 */
void manifest_size_for_dev(json_t *cluster, const struct manifest_dev *d,
			   json_t *removed);

/*
 * A Secret named name in ns holding only the given keys (NULL-ended) of
 * src (a Secret as the API returned it; data is copied as is, still
 * base64).  Returns a new reference.
 */
json_t *manifest_secret_copy(const json_t *src, const char *name,
			     const char *ns, const char *const *keys);

/*
 * In a BarmanObjectStoreConfiguration (modified in place), point every
 * SecretKeySelector (s3/azure/google credentials, endpointCA) that names
 * the Secret from at the Secret to.
 */
void manifest_rename_secret(json_t *configuration, const char *from,
			    const char *to);

/* The Secret names a configuration references, into names (an array). */
void manifest_secret_names(const json_t *configuration, json_t *names);

/* A barmancloud.cnpg.io/v1 ObjectStore with that configuration (copied). */
json_t *manifest_object_store(const char *name, const char *ns,
			      const json_t *configuration);

#endif
