/*
 * recreate: the pure parts of `kubectl cnpgops recreate` (no I/O): clean,
 * re-appliable manifests of live objects, GitOps ownership, the serverName
 * of the new cluster, and the new Cluster itself.  The procedure that uses
 * them, with its journal, is cmd/recreate.c.
 */
#ifndef CNPGOPS_RECREATE_H
#define CNPGOPS_RECREATE_H

#include <jansson.h>

#include "manifest.h"

struct error;

/*
 * A copy of a live object (borrowed) that `kubectl apply -f` or create
 * accepts again: no status, and none of the fields the server sets
 * (uid, resourceVersion, generation, creationTimestamp, managedFields,
 * selfLink, deletion fields) nor kubectl's last-applied annotation.
 * Labels, annotations, owner references and finalizers stay.
 */
json_t *recreate_clean(const json_t *live);

/*
 * Which GitOps controller owns obj: "Flux", "Argo CD" or "Helm", with the
 * label or annotation that says so in *evidence (borrowed from obj); NULL
 * when none does.
 */
const char *recreate_gitops_owner(const json_t *obj, const char **evidence);

/*
 * The n-th candidate serverName for the recreated cluster (n >= 1):
 * "<cluster>-r<k>", where k counts on from the current serverName's own
 * "-r<k>" suffix when it has one.  The caller frees it.
 */
char *recreate_server_candidate(const char *cluster, const char *current,
				int n);

enum recreate_mode {
	RECREATE_RECOVERY = 0, /* recover from the old archive */
	RECREATE_INITDB, /* a new, empty database */
	RECREATE_FILE /* the user's manifest */
};

struct recreate_build {
	enum recreate_mode mode;
	const json_t *old; /* the clean old Cluster */
	const json_t *file; /* RECREATE_FILE: the user's Cluster */
	/* the old archive */
	int plugin_model;
	const char *object_store; /* plugin model: barmanObjectName */
	const json_t *inline_config; /* inline model: the configuration */
	const char *old_server;
	/* the new cluster archives here (NULL: as the file says) */
	const char *new_server;
	/* recovery */
	const char *backup_id;
	enum manifest_target_kind target;
	const char *target_value;
	unsigned target_tli;
	const char *recreate_id; /* recorded in an annotation */
};

/*
 * The new Cluster: the old one's spec and metadata with the new bootstrap
 * (recovery from an externalClusters entry "<old serverName>-origin" that
 * reads the old archive, with the backup pinned; or initdb carrying the
 * old database, owner and secret), archiving under new_server; or the
 * file's Cluster with its archive's serverName set to new_server when
 * given.  Annotated cnpgops.io/recreated-from (old serverName),
 * cnpgops.io/backup-id and cnpgops.io/recreate-id.  Errors: ERR_USAGE
 * when the file is not a Cluster named like the old one in its namespace,
 * ERR_PRECONDITION when the cluster has no object-store archive to change.
 */
json_t *recreate_new_cluster(const struct recreate_build *b, struct error *err);

/*
 * The serverName the Cluster c archives under (plugin parameters or
 * backup.barmanObjectStore), defaulting to its name; NULL when it does not
 * archive.  Borrowed from c.
 */
const char *recreate_archive_server(const json_t *c);

#endif
