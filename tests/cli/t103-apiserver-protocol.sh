# The test API server at the protocol level (tests/apiserver/check_api.py):
# CRUD, status subresource, conflicts, patches, selectors, pagination,
# finalizers, watch (bookmarks, 410 Expired), fault injection and the
# request log of the control API.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/apiserver/lib.sh"
apiserver_start --event-window 20 --bookmark-interval 0.2
python3 "$TOP/tests/apiserver/check_api.py" "$S" >"$out" 2>"$err" ||
	fail "protocol checks failed"
expect_out "all checks passed"
exit 0
