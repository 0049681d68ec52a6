# Shell completion: command words, group words, flags, in cobra's protocol,
# and through kubectl's plugin completion (kubectl_complete-cnpgops).
. "$(dirname "$0")/lib.sh"

run __complete ""
expect_rc 0
expect_out "backup"
expect_out "pitr	"
grep -q "__complete" "$out" && fail "the hidden command is offered"
tail -n 1 "$out" | grep -qx ":4" || fail "no directive line"

run __complete backup ""
expect_rc 0
[ "$(grep -c '^schedule' "$out")" -eq 1 ] || fail "'schedule' must be offered once"
expect_out "now	Create a Backup"

run __complete backup schedule l
expect_out "list	"

run __complete backup now app-db --wa
expect_out "--wait"
expect_out "--wait-for-archive"
grep -q -- "--method" "$out" && fail "flags that do not match the prefix"

run --help
grep -q "__complete" "$out" && fail "--help lists the hidden command"

if command -v kubectl >/dev/null 2>&1 && [ "${CNPGOPS_VALGRIND:-}" != 1 ]; then
	mkdir -p "$T/bin"
	ln -s "$CNPGOPS_BIN" "$T/bin/kubectl-cnpgops"
	cp "$TOP/kubectl_complete-cnpgops" "$T/bin/"
	PATH="$T/bin:$PATH" kubectl __complete cnpgops backup "" >"$out" 2>/dev/null ||
		fail "kubectl __complete failed"
	expect_out "schedule"
	expect_out ":4"
fi
# Cluster names and namespaces from the API, with the kubeconfig flags
# typed so far; nothing but the directive when the API cannot be reached.
if command -v kubectl >/dev/null 2>&1; then
	. "$TOP/tests/apiserver/lib.sh"
	apiserver_start
	k create -f "$TOP/tests/fixtures/objects/app-db-cluster.yaml" >/dev/null || fail "create cluster"
	k create namespace prod >/dev/null || fail "create namespace"
	run __complete --kubeconfig "$S/kubeconfig" backup now ""
	expect_out "app-db"
	run __complete --kubeconfig "$S/kubeconfig" backup now app-db -n p
	expect_out "prod"
	grep -q default "$out" && fail "namespaces not matching the prefix"
	run __complete --kubeconfig "$S/kubeconfig" -n prod backup now ""
	grep -q app-db "$out" && fail "clusters of another namespace"
	run __complete --kubeconfig "$T/absent" backup now ""
	expect_rc 0
	[ ! -s "$err" ] || fail "completion printed errors"
fi
exit 0
