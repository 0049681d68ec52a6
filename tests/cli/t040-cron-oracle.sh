# src/cron.c against tests/cron/oracle.py, an independent brute-force
# evaluator of robfig/cron v1 schedules: first the oracle checks the
# hand-written expectations in tests/fixtures/cron/next.tsv (which the unit
# tests hold the C code to) and that it too rejects every expression of
# invalid.tsv; then it compares the C module, through the test driver, on
# 300 random expressions (a fifth corrupted, which both must reject), with
# TZ far from UTC.
. "$(dirname "$0")/lib.sh"
driver=${CNPGOPS_CRON_DRIVER:-$TOP/build/san/cron-driver}
py=${PYTHON:-python3}
[ -x "$driver" ] || skip "no $driver: run 'make build/san/cron-driver'"

"$py" "$TOP/tests/cron/oracle.py" fixture "$TOP/tests/fixtures/cron/next.tsv" \
	>"$out" 2>"$err"
rc=$?
expect_rc 0
expect_out "0 mismatches"

"$py" "$TOP/tests/cron/oracle.py" invalid "$TOP/tests/fixtures/cron/invalid.tsv" \
	>"$out" 2>"$err"
rc=$?
expect_rc 0
expect_out ", 0 accepted"

TZ=Asia/Kolkata "$py" "$TOP/tests/cron/oracle.py" random "$driver" 300 \
	>"$out" 2>"$err"
rc=$?
expect_rc 0
expect_out "random: 300 expressions"
expect_out ", 0 mismatches"

# The driver reports parse errors rather than inventing runs.
printf '0 3 0 3 * * *\n' | "$driver" >"$out" 2>"$err"
rc=$?
expect_rc 0
expect_out "error: schedule '0 3 * * *' has 5 fields"
exit 0
