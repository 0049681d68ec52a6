# Every golden manifest is valid against the upstream CRDs, the way an API
# server with them installed would check it.
. "$(dirname "$0")/lib.sh"
[ "${CNPGOPS_VALGRIND:-}" = 1 ] && skip "not a memory test"
crds=$TOP/../shared/crds
[ -d "$crds" ] || skip "no ../shared/crds beside the repository"
python3 "$TOP/../shared/tools/crdcheck.py" --crds "$crds" -q "$TOP"/tests/golden/*.yaml >"$out" 2>&1 ||
	fail "a golden manifest does not validate against the CRDs"
grep -q " 0 error" "$out" || fail "crdcheck reported errors"
exit 0
