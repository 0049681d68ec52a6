# The fake GCS server (tests/gcs/fake_gcs.py) that t230 and t231 judge the
# GCS client by passes its own self-test: Google's token grants with their
# errors, paging, media, permissions and faults, each checked over HTTP.
. "$(dirname "$0")/lib.sh"
command -v openssl >/dev/null 2>&1 || skip "openssl is not installed"
[ "${CNPGOPS_VALGRIND:-}" = 1 ] && skip "the binary is not run: not a memory test"
python3 "$TOP/tests/gcs/selftest.py" >"$T/self.log" 2>&1 || { tail -n 30 "$T/self.log"; fail "the fake GCS self-test failed"; }
exit 0
