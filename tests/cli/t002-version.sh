# version prints the plugin and library versions, as text and JSON, and
# behaves the same when kubectl runs it as a plugin from PATH.
. "$(dirname "$0")/lib.sh"

run version
expect_rc 0
expect_out "kubectl-cnpgops "
expect_out "libcurl "
expect_out "jansson "
expect_out "libyaml "

run version -o json
expect_rc 0
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert set(d)>={"version","libcurl","jansson","libyaml"}, d' "$out" ||
	fail "version -o json is not the documented object"

run -o json version
expect_rc 0
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$out" || fail "global flag before the command"

if command -v kubectl >/dev/null 2>&1 && [ "${CNPGOPS_VALGRIND:-}" != 1 ]; then
	mkdir -p "$T/bin"
	ln -s "$CNPGOPS_BIN" "$T/bin/kubectl-cnpgops"
	direct=$("$CNPGOPS_BIN" version -o json)
	viakubectl=$(PATH="$T/bin:$PATH" kubectl cnpgops version -o json) ||
		fail "kubectl cnpgops version failed"
	[ "$direct" = "$viakubectl" ] || fail "kubectl cnpgops differs from the binary"
	PATH="$T/bin:$PATH" kubectl cnpgops frobnicate >/dev/null 2>"$T/kerr"
	[ $? -eq 2 ] || fail "exit status not passed through kubectl"
	grep -qF "unknown command 'frobnicate'" "$T/kerr" || fail "stderr not passed through kubectl"
fi
exit 0
