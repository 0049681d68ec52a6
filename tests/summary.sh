#!/bin/sh
# Add up the "N passed, N failed" lines of the test suites in FILE and print
# the total.  A suite that crashed before its closing line counts as failed.
set -u
file=$1
expect=${2:-2}
awk -v expect="$expect" '
/^[0-9]+ passed, [0-9]+ failed/ { p += $1; f += $3; n++ }
END {
	if (n < expect) { f += expect - n; print "summary: " expect - n " suite(s) ended without a result line" > "/dev/stderr" }
	printf "check: %d passed, %d failed\n", p, f
	exit (f > 0)
}' "$file"
