/*
 * cluster: read-only questions about a CNPG Cluster object (json_t): how it
 * is backed up, its conditions, its identity.
 */
#ifndef CNPGOPS_CLUSTER_H
#define CNPGOPS_CLUSTER_H

#include <jansson.h>

/* The barman-cloud plugin's name in spec.plugins and pluginConfiguration. */
#define CLUSTER_BARMAN_PLUGIN "barman-cloud.cloudnative-pg.io"

/* Backup methods a cluster is configured for (a bit set). */
#define CLUSTER_BACKUP_PLUGIN	0x1 /* spec.plugins[] WAL archiver */
#define CLUSTER_BACKUP_INLINE	0x2 /* spec.backup.barmanObjectStore */
#define CLUSTER_BACKUP_SNAPSHOT 0x4 /* spec.backup.volumeSnapshot */

/* The methods cluster can take a Backup with (0: none). */
int cluster_backup_methods(const json_t *cluster);

/*
 * The name of the plugin that archives WAL (isWALArchiver: true, not
 * disabled), or NULL.  Borrowed from cluster.
 */
const char *cluster_wal_archiver_plugin(const json_t *cluster);

/* status.conditions[] entry of that type, or NULL (borrowed). */
const json_t *cluster_condition(const json_t *cluster, const char *type);

/* metadata.name and metadata.namespace ("" when absent; borrowed). */
const char *cluster_name(const json_t *cluster);
const char *cluster_namespace(const json_t *cluster);

#endif
