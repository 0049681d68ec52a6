#!/bin/sh
# Run the CLI tests (tests/cli/tNNN-*.sh), each against the binary in
# $CNPGOPS_BIN, and end with "N passed, N failed".  An argument keeps only
# the scripts whose name contains it.  With CNPGOPS_VALGRIND=1 each run of
# the binary goes through valgrind (see lib.sh).
set -u
here=$(cd "$(dirname "$0")" && pwd)
filter=${1:-}
passed=0
failed=0
skipped=0
for t in "$here"/t[0-9]*.sh; do
	name=$(basename "$t" .sh)
	case "$name" in *"$filter"*) ;; *) continue ;; esac
	log=$(mktemp)
	sh "$t" >"$log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok   $name"
	elif [ $rc -eq 77 ]; then
		skipped=$((skipped + 1))
		echo "skip $name: $(tail -n 1 "$log")"
	else
		failed=$((failed + 1))
		echo "FAIL $name"
		sed 's/^/    /' "$log" | tail -n 40
	fi
	rm -f "$log"
done
if [ $skipped -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ $failed -eq 0 ]
