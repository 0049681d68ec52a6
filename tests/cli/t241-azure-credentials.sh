# Azure credentials and listings, against Azurite (strict Shared Key and
# SAS checks; tests/azure) with a synthetic catalog of 5100 WAL blobs (two
# List Blobs pages: Azure pages by marker, at most 5000 a page): the
# account key (AZURE_STORAGE_ACCOUNT/AZURE_STORAGE_KEY), a SAS token, a
# connection string with a key or with a SAS, and the azure:// form read
# the same catalog; a wrong key, an expired SAS, a SAS without list
# permission, a connection string for another account and a missing
# container are refused with their fixes, and no secret is printed;
# archive-test --write leaves nothing behind; without credentials the
# message says where it looked.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/azure/lib.sh"

start_azurite
az create-container pg-backups >/dev/null || fail "create the container"
cat >"$T/backup.info" <<'INFO'
backup_label=None
begin_offset=40
begin_time=2026-01-01 00:00:00.000000+00:00
begin_wal=000000010000000000000002
begin_xlog=0/2000028
end_offset=312
end_time=2026-01-01 00:00:30.000000+00:00
end_wal=000000010000000000000002
end_xlog=0/2000138
error=None
status=DONE
timeline=1
version=150004
xlog_segment_size=16777216
INFO
az put pg-backups pg/app-db/base/20260101T000000/backup.info --file "$T/backup.info" >/dev/null ||
	fail "put backup.info"
# segments 2 .. 5101 (timeline 1): 20 folders of 256
python3 -c '
for i in range(2, 5102):
    n = "%08X%08X%08X" % (1, i // 256, i % 256)
    print("pg/app-db/wals/%s/%s.gz" % (n[:16], n))' | az put-many pg-backups - --jobs 8 >/dev/null ||
	fail "put the WAL blobs"
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1 HOME=$T
unset AZURE_STORAGE_CONNECTION_STRING AZURE_STORAGE_ACCOUNT AZURE_STORAGE_KEY AZURE_STORAGE_SAS_TOKEN
mkdir -p "$T/bin"
v=$(command -v valgrind 2>/dev/null) &&
	printf '#!/bin/sh\nexec %s "$@"\n' "$v" >"$T/bin/valgrind" && chmod +x "$T/bin/valgrind"
DEST=$url/pgacct/pg-backups/pg
cat_az() { PATH=$T/bin run catalog --destination-path "$DEST" --server-name app-db --no-wal-decode "$@"; }
want() { # the catalog in $out is the synthetic one
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [b["id"] for b in d["backups"]] == ["20260101T000000"], d["backups"]
assert d["timelines"][0]["walRanges"] == [{"first": "000000010000000000000002", "last": "0000000100000013000000ED"}], d["timelines"]' "$out" ||
		fail "$1: $(head -c 600 "$out")"
}
no_secret() {
	grep -q "$KEY" "$out" "$err" && fail "$1: the account key was printed"
	grep -q "sig=" "$out" "$err" && fail "$1: a SAS signature was printed"
	return 0
}

# the account key
AZURE_STORAGE_ACCOUNT=pgacct AZURE_STORAGE_KEY=$KEY cat_az -o json
expect_rc 0
want "the account key"
# a SAS token (container, read and list)
sas=$(az sas container pg-backups --permissions rl) || fail "make a SAS"
AZURE_STORAGE_SAS_TOKEN=$sas cat_az -o json
expect_rc 0
want "a SAS token"
# connection strings: with the key, with a SAS
AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=pgacct;AccountKey=$KEY;BlobEndpoint=$url/pgacct;" \
	cat_az -o json
expect_rc 0
want "a connection string with the key"
AZURE_STORAGE_CONNECTION_STRING="BlobEndpoint=$url/pgacct;SharedAccessSignature=$sas" cat_az -o json
expect_rc 0
want "a connection string with a SAS"
# the azure:// form: the account from the credentials, the endpoint given
AZURE_STORAGE_ACCOUNT=pgacct AZURE_STORAGE_KEY=$KEY PATH=$T/bin run catalog \
	--destination-path azure://pg-backups/pg --server-name app-db --endpoint-url "$url/pgacct" \
	--no-wal-decode -o json
expect_rc 0
want "azure://"

# refusals, each with its fix
AZURE_STORAGE_ACCOUNT=pgacct AZURE_STORAGE_KEY=$(printf 'not-the-key' | base64) cat_az
expect_rc 1
expect_err "the key of storage account 'pgacct' was refused (AuthorizationFailure)"
expect_err "az storage account keys list --account-name pgacct"
old=$(az sas container pg-backups --permissions rl --expiry -60) || fail "make an expired SAS"
AZURE_STORAGE_SAS_TOKEN=$old cat_az
expect_rc 1
expect_err "the SAS token expired at"
no_secret "expired SAS"
ro=$(az sas container pg-backups --permissions r) || fail "make a read-only SAS"
AZURE_STORAGE_SAS_TOKEN=$ro cat_az
expect_rc 1
expect_err "(AuthorizationPermissionMismatch)"
expect_err "the SAS token allows sp=r"
no_secret "read-only SAS"
AZURE_STORAGE_CONNECTION_STRING="AccountName=other;AccountKey=$KEY;BlobEndpoint=$url/other;" cat_az
expect_rc 1
expect_err "the connection string is for account 'other', the destination path for 'pgacct'"
no_secret "another account"
AZURE_STORAGE_ACCOUNT=pgacct AZURE_STORAGE_KEY=$KEY PATH=$T/bin run catalog \
	--destination-path "$url/pgacct/no-such-container/pg" --server-name app-db
expect_rc 1
expect_err "container 'no-such-container' does not exist in storage account 'pgacct' (ContainerNotFound)"

# archive-test --write: written, read back, deleted
AZURE_STORAGE_ACCOUNT=pgacct AZURE_STORAGE_KEY=$KEY PATH=$T/bin run archive-test \
	--destination-path "$DEST" --server-name app-db --write
expect_rc 0
expect_out "as the key of storage account 'pgacct' (the AZURE_STORAGE_* environment) (List Blobs works)"
expect_out "wrote, read back and deleted $DEST/app-db/cnpgops-probe-"
az list pg-backups --prefix pg/app-db/cnpgops >"$T/probe.txt" || fail "list"
[ -s "$T/probe.txt" ] && fail "the probe was left behind: $(cat "$T/probe.txt")"

# no credentials (and no Azure CLI on PATH)
cat_az
expect_rc 1
expect_err "no Azure credentials for account 'pgacct'"
expect_err "AZURE_STORAGE_KEY"
exit 0
