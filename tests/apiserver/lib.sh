# Helpers for CLI tests that use the test API server.  Source it after
# tests/cli/lib.sh (it needs $TOP, $T and at_exit):
#   apiserver_start [server.py args...]
#                     start a server in $T/api (sets $S, the state directory,
#                     and $API, its URL); it is stopped by PID on exit
#   k ARGS...         the real kubectl against it (admin context by default)
#   ctl METHOD PATH [JSON]
#                     call the control API (/_test/...) as admin; the answer
#                     is on stdout; fails the test on a non-2xx answer
#   wait_for SECONDS CMD...
#                     run CMD every 0.1 s until it succeeds; fail after SECONDS
#   need_kubectl      skip the test when kubectl is not installed

need_kubectl() {
	command -v kubectl >/dev/null 2>&1 || skip "kubectl is not installed"
}

apiserver_start() {
	S=$T/api
	"$TOP/tests/apiserver/start.sh" "$S" "$@" >"$T/api.pid" ||
		fail "the test API server did not start"
	at_exit "'$TOP/tests/apiserver/stop.sh' '$S'"
	API=https://127.0.0.1:$(cat "$S/port")
}

k() {
	kubectl --kubeconfig "$S/kubeconfig" --cache-dir "$T/kcache" "$@"
}

ctl() {
	_m=$1
	_p=$2
	shift 2
	curl -sS --fail-with-body --cacert "$S/ca.crt" --cert "$S/client.crt" \
		--key "$S/client.key" -X "$_m" -H 'Content-Type: application/json' \
		${1:+--data "$1"} "$API$_p" || fail "control API $_m $_p failed"
}

wait_for() {
	_secs=$1
	shift
	_i=0
	while ! "$@"; do
		_i=$((_i + 1))
		[ $_i -le $((_secs * 10)) ] || fail "timed out after ${_secs}s waiting for: $*"
		sleep 0.1
	done
}
