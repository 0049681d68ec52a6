# The command line: help, usage errors (exit 2 with a hint), unknown
# commands and flags.
. "$(dirname "$0")/lib.sh"

run --help
expect_rc 0
expect_out "usage: kubectl cnpgops COMMAND"
expect_out "backup now"
expect_out "archive-test"

run
expect_rc 0
expect_out "Commands:"

run frobnicate
expect_rc 2
expect_no_out
expect_err "error: unknown command 'frobnicate'"
expect_err "hint: run 'kubectl cnpgops --help'"

run backup
expect_rc 2
expect_err "error: 'backup' needs a subcommand"

run backup --help
expect_rc 0
expect_out "backup schedule"

run version --frob
expect_rc 2
expect_err "error: unknown flag '--frob'"
expect_err "hint: usage: kubectl cnpgops version"

run version -n
expect_rc 2
expect_err "flag '-n' needs a value"

run version --kubeconfig
expect_rc 2
expect_err "flag '--kubeconfig' needs a value"

run version extra
expect_rc 2
expect_err "unexpected operand 'extra'"

run version --dry-run
expect_rc 2
expect_err "--dry-run does not apply"

run version -o xml
expect_rc 2
expect_err "unknown output format 'xml'"

run version --request-timeout 10x
expect_rc 2
expect_err "invalid duration '10x'"

run help backup now
expect_rc 0
expect_out "usage: kubectl cnpgops backup now"

run drill
expect_rc 2
expect_err "hint: usage: kubectl cnpgops drill CLUSTER"
run drill c1 --to now-5m --latest
expect_rc 2
expect_err "give --to or --latest, not both"
run recreate c1 --bootstrap initdb --from-file x.yaml
expect_rc 2
expect_err "give --bootstrap recovery, --bootstrap initdb or --from-file MANIFEST"
exit 0
