/*
 * The command framework (tmux's command table, git's builtins).
 *
 * Adding a command takes four steps:
 *  1. Write cmd/<group>_<name>.c.  Open it with a paragraph saying what the
 *     command does and its synopsis, then define
 *     const struct cmd_entry cmd_<group>_<name>_entry, whose longopts[]
 *     starts with GLOBAL_LONGOPTS and ends with a zero row.
 *  2. Keep the command's flags in a struct of its own (state_size); opt()
 *     stores each local flag there.  Local option values start at
 *     OPT_LOCAL_BASE.  Flags are borrowed argv strings.
 *  3. Set the CMD_* flags for what exec() needs: the framework parses all
 *     flags, checks the operand count, rejects --dry-run unless CMD_MUTATES,
 *     loads the kubeconfig and opens the API client (CMD_NEEDS_KUBE), and
 *     fetches the Cluster named by the first operand (CMD_TARGET_CLUSTER).
 *  4. Declare the entry below and add it to cmd_table[] in cmd/table.c, in
 *     the order --help lists it.
 * exec() returns 0, or -1 with ctx->err set, or (for a command whose exit
 * status is documented to carry a verdict, like doctor) a positive exit
 * status after printing its report; it writes data to stdout only,
 * progress and notes to stderr through cmd_note()/cmd_warn().
 */
#ifndef CNPGOPS_CLI_H
#define CNPGOPS_CLI_H

#include <getopt.h>
#include <stdio.h>

#include <jansson.h>

#include "errors.h"
#include "manifest.h"

enum output_format { OUTPUT_TEXT = 0, OUTPUT_YAML, OUTPUT_JSON };
enum dry_run_mode { DRY_RUN_NONE = 0, DRY_RUN_CLIENT, DRY_RUN_SERVER };

/* The global flags, accepted anywhere after the plugin name. */
struct globals {
	const char *kubeconfig;
	const char *context;
	const char *cluster;
	const char *user;
	const char *namespace;
	const char *token;
	const char *server;
	enum output_format output;
	int output_set;
	enum dry_run_mode dry_run;
	long request_timeout_ms;
	int verbose;
	int help;
};

#define GLOBAL_SHORTOPTS ":n:o:v::h"

enum {
	OPT_KUBECONFIG = 0x100,
	OPT_CONTEXT,
	OPT_CLUSTER,
	OPT_USER,
	OPT_TOKEN,
	OPT_SERVER,
	OPT_DRY_RUN,
	OPT_REQUEST_TIMEOUT,
	OPT_LOCAL_BASE = 0x200
};

/* clang-format off */
#define GLOBAL_LONGOPTS                                                      \
	{ "kubeconfig", required_argument, NULL, OPT_KUBECONFIG },           \
	{ "context", required_argument, NULL, OPT_CONTEXT },                 \
	{ "cluster", required_argument, NULL, OPT_CLUSTER },                 \
	{ "user", required_argument, NULL, OPT_USER },                       \
	{ "token", required_argument, NULL, OPT_TOKEN },                     \
	{ "server", required_argument, NULL, OPT_SERVER },                   \
	{ "namespace", required_argument, NULL, 'n' },                       \
	{ "output", required_argument, NULL, 'o' },                          \
	{ "dry-run", optional_argument, NULL, OPT_DRY_RUN },                 \
	{ "request-timeout", required_argument, NULL, OPT_REQUEST_TIMEOUT }, \
	{ "verbose", optional_argument, NULL, 'v' },                         \
	{ "v", required_argument, NULL, 'v' },                               \
	{ "help", no_argument, NULL, 'h' }
/* clang-format on */

/* What exec() needs, each thing only if the command's flags asked for it. */
#define CMD_NEEDS_KUBE	   0x01 /* ctx->kcfg, ctx->kube, ctx->namespace */
#define CMD_TARGET_CLUSTER 0x02 /* ctx->cluster from the first operand */
#define CMD_MUTATES	   0x04 /* accepts --dry-run */
#define CMD_OUTPUT_YAML	   0x08 /* accepts -o yaml (manifests) */
#define CMD_NO_OUTPUT_JSON 0x10 /* does not accept -o json */
#define CMD_HIDDEN	   0x20 /* not listed in --help (__complete) */
#define CMD_RAW_ARGS	   0x40 /* no flag parsing: every word an operand */

struct cmd_ctx;

struct cmd_entry {
	const char *name; /* "backup now": the words that select it */
	const char *usage; /* operands and local flags, after the name */
	const char *summary; /* one line for --help */
	const char *help; /* the local flags, one per line, or NULL */
	const char *shortopts; /* local short flags, "" if none */
	const struct option *longopts; /* GLOBAL_LONGOPTS first */
	int min_args, max_args; /* max -1 = unbounded */
	int flags; /* CMD_* */
	size_t state_size; /* bytes of the command's flag struct */
	void (*init)(void *state); /* defaults, or NULL */
	int (*opt)(void *state, int ch, const char *arg, struct error *err);
	int (*exec)(struct cmd_ctx *ctx, int argc, char **argv);
};

struct kube_config;
struct kube_client;

struct cmd_ctx {
	const struct cmd_entry *entry;
	struct globals *g;
	void *state; /* the command's flag struct */
	struct kube_config *kcfg; /* CMD_NEEDS_KUBE */
	struct kube_client *kube; /* CMD_NEEDS_KUBE */
	const char *namespace; /* resolved namespace (CMD_NEEDS_KUBE) */
	json_t *cluster; /* CMD_TARGET_CLUSTER */
	struct error *err;
};

/* The table, in --help order, ended by NULL. */
extern const struct cmd_entry *const cmd_table[];

/* Find the entry selected by the leading words; *nwords gets their count. */
const struct cmd_entry *cmd_find(int argc, char *const *argv, int *nwords);

/*
 * Parse the flags in argv (argv[0] is the command name) and run ce.
 * Returns what exec() returned: 0, -1 with err set, or an exit status.
 */
int cmd_run(const struct cmd_entry *ce, struct globals *g, int argc,
	    char **argv, struct error *err);

/* Handle a global flag; returns 0, or -1 with err set for a bad value. */
int globals_parse_opt(struct globals *g, int ch, const char *arg,
		      struct error *err);

/* Print the usage line of ce ("usage: kubectl cnpgops ...") to fp. */
void cmd_print_usage(FILE *fp, const struct cmd_entry *ce);
/* Full help of ce (usage, summary, flags, global flags) to fp. */
void cmd_print_help(FILE *fp, const struct cmd_entry *ce);
/* The top-level help, or the help of a group ("backup"). */
void cmd_print_overview(FILE *fp, const char *group);

/* Set a usage error with "hint: usage: ..." for ce. */
int cmd_usage_error(const struct cmd_entry *ce, struct error *err,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Load the kubeconfig and open the API client into ctx (kcfg, kube,
 * namespace), for commands that need the API only sometimes; the
 * framework closes them.  Returns 0 or -1 with ctx->err set.
 */
int cmd_open_kube(struct cmd_ctx *ctx);

/*
 * Follow the Cluster ns/name through kc until its phase is healthy,
 * printing phase changes on stderr and then how to connect.  ERR_TIMEOUT
 * after timeout_ms (the message says recovery goes on).
 */
struct kube_client;
int cmd_wait_cluster_healthy(struct cmd_ctx *ctx, struct kube_client *kc,
			     const char *ns, const char *name, long timeout_ms);

/*
 * Follow the Backup ns/name (of cluster, for hints) through kc until it
 * completes; *out gets the completed object (the caller's).  ERR_TIMEOUT
 * after timeout_ms; ERR_KUBE_API when it failed (with the operator's error);
 * ERR_NOT_FOUND when it was deleted.
 */
int cmd_wait_backup(json_t **out, struct cmd_ctx *ctx, struct kube_client *kc,
		    const char *ns, const char *name, const char *cluster,
		    long timeout_ms);

/*
 * Progress of a long wait on stderr (cmd/progress.c): on a terminal one
 * line redrawn in place with a spinner and the elapsed time (NO_PROGRESS
 * in the environment turns that off); otherwise a line per state change.
 * progress_state("backup/x", "running") records a change.
 */
void progress_start(void);
void progress_state(const char *what, const char *state);
void progress_stop(void);

/* Progress and notes on stderr ("note: ..."/"warning: ..."). */
void cmd_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cmd_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The kube client's -v sink: writes "I: line" to stderr. */
void cmd_log(void *ud, int level, const char *line);

/*
 * The Backup flags shared by "backup now" and "backup schedule"
 * (cmd/backup_flags.c): --method, --target, --online/--offline,
 * --immediate-checkpoint, --(no-)wait-for-archive.  A command embeds
 * struct backup_flags in its state, lists BACKUP_FLAGS_LONGOPTS in its
 * option table and hands unknown option values to backup_flags_parse().
 */
enum {
	OPT_BACKUP_METHOD = 0x180,
	OPT_BACKUP_TARGET,
	OPT_BACKUP_ONLINE,
	OPT_BACKUP_OFFLINE,
	OPT_BACKUP_IMMEDIATE,
	OPT_BACKUP_WAIT_ARCHIVE,
	OPT_BACKUP_NO_WAIT_ARCHIVE,
	OPT_BACKUP_LAST
};

/* clang-format off */
#define BACKUP_FLAGS_LONGOPTS                                                   \
	{ "method", required_argument, NULL, OPT_BACKUP_METHOD },               \
	{ "target", required_argument, NULL, OPT_BACKUP_TARGET },               \
	{ "online", no_argument, NULL, OPT_BACKUP_ONLINE },                     \
	{ "offline", no_argument, NULL, OPT_BACKUP_OFFLINE },                   \
	{ "immediate-checkpoint", no_argument, NULL, OPT_BACKUP_IMMEDIATE },    \
	{ "wait-for-archive", no_argument, NULL, OPT_BACKUP_WAIT_ARCHIVE },     \
	{ "no-wait-for-archive", no_argument, NULL, OPT_BACKUP_NO_WAIT_ARCHIVE }
/* clang-format on */

#define BACKUP_FLAGS_HELP                                                      \
	"      --method METHOD          auto (default), barmanObjectStore, "   \
	"volumeSnapshot or plugin\n"                                           \
	"      --target TARGET          primary or prefer-standby (default: "  \
	"the cluster's)\n"                                                     \
	"      --online, --offline      hot or cold backup (volumeSnapshot, "  \
	"plugin)\n"                                                            \
	"      --immediate-checkpoint   start with an immediate checkpoint "   \
	"(online only)\n"                                                      \
	"      --wait-for-archive       wait for the last WAL to be archived " \
	"(online; default)\n"                                                  \
	"      --no-wait-for-archive    do not wait for it\n"

struct backup_flags {
	const char *method; /* "auto" unless given */
	const char *target;
	enum manifest_tristate online;
	enum manifest_tristate immediate_checkpoint;
	enum manifest_tristate wait_for_archive;
};

/* Is ch one of the shared Backup flags? */
#define BACKUP_FLAG(ch) ((ch) >= OPT_BACKUP_METHOD && (ch) < OPT_BACKUP_LAST)

/* Store one shared Backup flag; ERR_USAGE for a bad value or a clash. */
int backup_flags_parse(struct backup_flags *bf, int ch, const char *arg,
		       struct error *err);

/*
 * The flags that name an archive, shared by "catalog" and "archive-test"
 * (cmd/archive_flags.c): --object-store with a CLUSTER operand, or
 * --destination-path, --server-name, --endpoint-url, --endpoint-ca and
 * --region without one.
 */
enum {
	OPT_ARCHIVE_OBJECT_STORE = 0x1a0,
	OPT_ARCHIVE_DESTINATION,
	OPT_ARCHIVE_SERVER_NAME,
	OPT_ARCHIVE_ENDPOINT_URL,
	OPT_ARCHIVE_ENDPOINT_CA,
	OPT_ARCHIVE_REGION,
	OPT_ARCHIVE_LAST
};

/* clang-format off */
#define ARCHIVE_FLAGS_LONGOPTS                                                  \
	{ "object-store", required_argument, NULL, OPT_ARCHIVE_OBJECT_STORE },  \
	{ "destination-path", required_argument, NULL, OPT_ARCHIVE_DESTINATION }, \
	{ "server-name", required_argument, NULL, OPT_ARCHIVE_SERVER_NAME },    \
	{ "endpoint-url", required_argument, NULL, OPT_ARCHIVE_ENDPOINT_URL },  \
	{ "endpoint-ca", required_argument, NULL, OPT_ARCHIVE_ENDPOINT_CA },    \
	{ "region", required_argument, NULL, OPT_ARCHIVE_REGION }
/* clang-format on */

#define ARCHIVE_FLAGS_HELP                                                     \
	"      --object-store NAME      use this ObjectStore instead of the "  \
	"cluster's\n"                                                          \
	"      --destination-path PATH  an archive without cluster access: "   \
	"s3://BUCKET/PATH,\n"                                                  \
	"                               gs://BUCKET/PATH or "                  \
	"https://ACCOUNT.blob.core.windows.net/\n"                             \
	"                               CONTAINER/PATH\n"                      \
	"      --server-name NAME       its serverName (the folder under the " \
	"path)\n"                                                              \
	"      --endpoint-url URL       an S3-compatible endpoint (MinIO, "    \
	"Ceph, R2, ...)\n"                                                     \
	"      --endpoint-ca FILE       the endpoint's CA bundle (PEM)\n"      \
	"      --region REGION          the bucket's region\n"

struct archive_flags {
	const char *object_store;
	const char *destination_path;
	const char *server_name;
	const char *endpoint_url;
	const char *endpoint_ca;
	const char *region;
};

/* Is ch one of the archive flags? */
#define ARCHIVE_FLAG(ch) \
	((ch) >= OPT_ARCHIVE_OBJECT_STORE && (ch) < OPT_ARCHIVE_LAST)

/* Store one archive flag. */
int archive_flags_parse(struct archive_flags *af, int ch, const char *arg,
			struct error *err);

struct archive_config;
struct manifest_recovery;
struct plan;

/*
 * The archive the operands and flags name: the Cluster argv[0] (fetched
 * into *cluster, the caller's; the API opened on demand) and its archive,
 * or the --destination-path flags.  ERR_USAGE when both or neither are
 * given; otherwise the errors of kube_get, archive_resolve (with *cluster
 * set) and archive_from_flags.
 */
int archive_flags_resolve(struct archive_config **out, json_t **cluster,
			  struct cmd_ctx *ctx, const struct archive_flags *af,
			  int argc, char **argv);

/* cmd/recovery.c: the stamps of generated names. */
enum cmd_stamp {
	CMD_STAMP_MINUTE, /* 202611240941 */
	CMD_STAMP_SECOND, /* 20261124094107 */
	CMD_STAMP_ISO /* 20261124T094107Z */
};

/* base followed by the UTC time, for the names nobody gave; the
 * caller's. */
char *cmd_stamped(const char *base, enum cmd_stamp stamp);

/* The plan for humans (plan_describe) on fp. */
void cmd_print_plan(const struct plan *p, FILE *fp);

/*
 * Fill the fields of r that come from the source Cluster, the new name and
 * namespace, the source's archive and the plan (backup, timeline); the
 * target and the rest are the caller's.  Everything stays borrowed.
 */
void cmd_recovery_of(struct manifest_recovery *r, const json_t *source,
		     const char *name, const char *ns,
		     const struct archive_config *arch, const struct plan *p);

/* A --timeout value (Go duration syntax) into *out in milliseconds. */
int cmd_parse_timeout(long *out, const char *arg, struct error *err);

/* An --instances value, 1 to 99. */
int cmd_parse_instances(int *out, const char *arg, struct error *err);

#define CNPGOPS_PROG "kubectl cnpgops"

#ifndef CNPGOPS_VERSION
#define CNPGOPS_VERSION "0.0.0-dev"
#endif

/* Is arg a global flag whose value is the next word ("-n", "--context")? */
int cli_flag_takes_value(const char *arg);

extern const struct cmd_entry cmd_version_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_backup_now_entry;
extern const struct cmd_entry cmd_backup_schedule_entry;
extern const struct cmd_entry cmd_backup_schedule_list_entry;
extern const struct cmd_entry cmd_backup_list_entry;
extern const struct cmd_entry cmd_catalog_entry;
extern const struct cmd_entry cmd_pitr_entry;
extern const struct cmd_entry cmd_clone_entry;
extern const struct cmd_entry cmd_archive_test_entry;
extern const struct cmd_entry cmd_doctor_entry;
extern const struct cmd_entry cmd_recreate_entry;
extern const struct cmd_entry cmd_drill_entry;
extern const struct cmd_entry cmd_complete_entry;

#endif
