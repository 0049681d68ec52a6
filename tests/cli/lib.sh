# Shared helpers for the CLI tests.  Source it first; it gives:
#   run ARGS...        run the binary; sets $out (stdout file), $err
#                      (stderr file) and $rc
#   expect_rc N        fail unless the last run exited N
#   expect_out TEXT    fail unless stdout contains TEXT (grep -F)
#   expect_err TEXT    fail unless stderr contains TEXT
#   expect_no_out      fail unless stdout is empty
#   fail MSG           fail the test
#   skip MSG           skip it (exit 77)
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
