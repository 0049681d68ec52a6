#!/bin/sh
# Run the CLI tests (tests/cli/tNNN-*.sh), each against the binary in
# $CNPGOPS_BIN, and end with "N passed, N failed".  An argument keeps only
# the scripts whose name contains it.  With CNPGOPS_VALGRIND=1 each run of
# the binary goes through valgrind (see lib.sh).
#
# CNPGOPS_TEST_JOBS (default 2) tests run at once: every test has its own
# temporary directory, ephemeral ports and servers, so they do not meet.
# The slow ones (t3NN: real PostgreSQL and barman-cloud) start first; the
# results are printed in name order once all have finished.
set -u
here=$(cd "$(dirname "$0")" && pwd)
filter=${1:-}
jobs=${CNPGOPS_TEST_JOBS:-2}
case $jobs in '' | *[!0-9]* | 0) jobs=1 ;; esac
res=$(mktemp -d)
trap 'rm -rf "$res"' EXIT

for t in "$here"/t[0-9]*.sh; do
	name=$(basename "$t" .sh)
	case "$name" in *"$filter"*) ;; *) continue ;; esac
	echo "$name"
done >"$res/all"
# slow first, so that two slow ones do not end the run on one core
{ grep '^t3' "$res/all"; grep -v '^t3' "$res/all"; } >"$res/order"

# run one test: its log and its exit status go into $res
cat >"$res/one.sh" <<'EOF'
res=$1
here=$2
name=$3
sh "$here/$name.sh" >"$res/$name.log" 2>&1
echo $? >"$res/$name.rc"
EOF
xargs -P "$jobs" -n 1 sh "$res/one.sh" "$res" "$here" <"$res/order"

passed=0
failed=0
skipped=0
while read -r name; do
	rc=$(cat "$res/$name.rc" 2>/dev/null || echo 1)
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok   $name"
	elif [ "$rc" -eq 77 ]; then
		skipped=$((skipped + 1))
		echo "skip $name: $(tail -n 1 "$res/$name.log")"
	else
		failed=$((failed + 1))
		echo "FAIL $name"
		sed 's/^/    /' "$res/$name.log" | tail -n 40
	fi
done <"$res/all"
if [ $skipped -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ $failed -eq 0 ]
