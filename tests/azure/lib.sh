# For the CLI tests, sourced after tests/cli/lib.sh:
#   start_azurite   install Azurite (once, from npm) and start it on
#                   loopback with the account "pgacct", stopped at exit;
#                   sets $KEY (its key), $A (Azurite's folder) and $url, and
#                   az ARGS... (tests/azure/azblob.py as that account)
start_azurite() {
	sh "$TOP/tests/azure/azurite.sh" install >"$T/install.log" 2>&1 ||
		fail "Azurite cannot be installed: $(tail -n 5 "$T/install.log")"
	KEY=$(printf 'pgacct-test-key-0123456789' | base64)
	A=$T/azurite
	url=$(sh "$TOP/tests/azure/azurite.sh" start "$A" --accounts "pgacct:$KEY") ||
		fail "Azurite did not start: $(tail -n 5 "$A/azurite.log")"
	at_exit "sh '$TOP/tests/azure/azurite.sh' stop '$A'"
}

az() { python3 "$TOP/tests/azure/azblob.py" --endpoint "$url" --account pgacct --key "$KEY" "$@"; }
