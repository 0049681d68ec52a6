# Shared helpers for the CLI tests.  Source it first; it gives:
#   run ARGS...        run the binary; sets $out (stdout file), $err
#                      (stderr file) and $rc
#   expect_rc N        fail unless the last run exited N
#   expect_out TEXT    fail unless stdout contains TEXT (grep -F)
#   expect_err TEXT    fail unless stderr contains TEXT
#   expect_no_out      fail unless stdout is empty
#   fail MSG           fail the test
#   skip MSG           skip it (exit 77)
#   need_real_parts    skip unless PostgreSQL 15 and barman-cli-cloud are here
#   real_catalog DIR ARGS...
#                      a real barman-cloud catalog in moto's S3
#                      (tests/sandbox/make-catalog.sh DIR ARGS... --keep),
#                      stopped at exit; sets $cat, $endpoint, $akid, $secret
#   j EXPR             print EXPR of $cat/scenario.json (as d)
# Temporary files live in $T, removed on exit.
set -u
: "${CNPGOPS_BIN:?set CNPGOPS_BIN to the binary under test}"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
cleanup_hooks=""
at_exit() { cleanup_hooks="$*; $cleanup_hooks"; }
trap 'eval "$cleanup_hooks"; rm -rf "$T"' EXIT
out=$T/stdout
err=$T/stderr
rc=0
export NO_COLOR=1

run() {
	if [ "${CNPGOPS_VALGRIND:-}" = 1 ]; then
		valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite,indirect \
			--suppressions="$TOP/tests/valgrind.supp" \
			"$CNPGOPS_BIN" "$@" >"$out" 2>"$err" </dev/null
	else
		"$CNPGOPS_BIN" "$@" >"$out" 2>"$err" </dev/null
	fi
	rc=$?
}

fail() {
	echo "FAIL: $*"
	echo "--- stdout of the last run"; tail -c 4000 "$out" 2>/dev/null
	echo "--- stderr of the last run"; tail -c 4000 "$err" 2>/dev/null
	# again last: the runner shows a failed test's last lines
	echo "FAIL: $*"
	exit 1
}

skip() {
	echo "$*"
	exit 77
}

expect_rc() {
	[ "$rc" -eq "$1" ] || fail "exit status $rc, want $1"
}

expect_out() {
	grep -qF -- "$1" "$out" || fail "stdout lacks '$1'"
}

expect_err() {
	grep -qF -- "$1" "$err" || fail "stderr lacks '$1'"
}

expect_no_out() {
	[ ! -s "$out" ] || fail "stdout should be empty"
}

need_real_parts() {
	[ -x /usr/lib/postgresql/15/bin/postgres ] || skip "postgresql-15 is not installed"
	command -v barman-cloud-backup >/dev/null 2>&1 || skip "barman-cli-cloud is not installed"
}

real_catalog() {
	cat=$1
	shift
	chmod 755 "$T"
	sh "$TOP/tests/sandbox/make-catalog.sh" "$cat" "$@" --keep >"$T/make.log" 2>&1 ||
		{ tail -n 30 "$T/make.log"; fail "make-catalog failed"; }
	at_exit "sh '$TOP/tests/sandbox/make-catalog.sh' stop '$cat' >/dev/null 2>&1"
	endpoint=$(j 'd["endpoint"]')
	akid=$(j 'd["access_key_id"]')
	secret=$(j 'd["secret_access_key"]')
}

j() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$cat/scenario.json"; }
