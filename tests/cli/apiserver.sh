# Helpers for CLI tests that need the test API server (tests/apiserver).
# Source after lib.sh.
#   need_kubectl             skip unless the kubectl client is installed
#   start_apiserver DIR ARGS start it with its state in DIR; stopped at exit
#   set_status KIND NAME JSON  merge JSON into the object's status

need_kubectl() {
	command -v kubectl >/dev/null 2>&1 || skip "kubectl is not installed"
}

start_apiserver() {
	_dir=$1
	shift
	mkdir -p "$_dir"
	sh "$TOP/tests/apiserver/start.sh" "$_dir" "$@" >"$_dir/start.out" 2>&1 ||
		{ cat "$_dir/start.out"; fail "test API server did not start"; }
	at_exit "sh '$TOP/tests/apiserver/stop.sh' '$_dir' >/dev/null 2>&1"
}

set_status() {
	kubectl --kubeconfig "$T/api/kubeconfig" patch "$1" "$2" \
		--subresource=status --type=merge -p "{\"status\":$3}" >/dev/null ||
		fail "cannot set the status of $1/$2"
}
