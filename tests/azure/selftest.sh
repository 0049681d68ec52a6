#!/bin/sh
# ok and not_ok always succeed, so "test && ok || not_ok" is if-then-else here
# shellcheck disable=SC2015
# Self-test of tests/azure: installs Azurite if needed, starts it with a
# custom account, drives azblob.py through every operation (create
# container, put, put-many, get, list with prefix/delimiter/marker/
# maxresults, delete) and every auth mode (Shared Key, account SAS, service
# SAS for a container and a blob, connection strings), checks the error
# answers (read-only SAS listing, expired SAS, wrong key, missing
# container/blob, unsupported x-ms-version), and stops Azurite by its PID.
# Ends with "N passed, N failed"; exit 0 only if nothing failed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
PY=${PYTHON:-python3}
AZ="sh $here/azurite.sh"

pass=0 fail=0
TAB=$(printf '\t')
ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }

T=$(mktemp -d "${TMPDIR:-/tmp}/azselftest.XXXXXX") || exit 1
cleanup() {
	$AZ stop "$T/az" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

$AZ install || { echo "not ok - install"; echo "0 passed, 1 failed"; exit 1; }
ok "install"

ACCT=cnpgtest
KEY=$($PY -c 'import base64, os; print(base64.b64encode(os.urandom(64)).decode())')
EP=$($AZ start "$T/az" --accounts "$ACCT:$KEY") || {
	echo "not ok - start"; echo "1 passed, 1 failed"; exit 1; }
PID=$(cat "$T/az/azurite.pid")
case $EP in
http://127.0.0.1:[0-9]*) ok "start: $EP (pid $PID)" ;;
*) not_ok "start printed '$EP'" ;;
esac
[ "$($AZ url "$T/az")" = "$EP" ] && ok "url" || not_ok "url"

# azblob with the custom account (Shared Key)
azk() { $PY "$here/azblob.py" -e "$EP" -a "$ACCT" -k "$KEY" "$@"; }
# azblob with a SAS token ($SAS)
azs() { $PY "$here/azblob.py" -e "$EP" -a "$ACCT" -s "$SAS" "$@"; }

# run "$@" expecting failure with the storage error code $1
expect_code() {
	want=$1 what=$2
	shift 2
	if "$@" >"$T/out" 2>"$T/err"; then
		not_ok "$what: succeeded, wanted $want"
		return
	fi
	got=$(sed -n 's/^code: //p' "$T/err")
	if [ "$got" = "$want" ]; then
		ok "$what: $want ($(sed -n 's/^error: HTTP \([0-9]*\).*/\1/p' "$T/err"))"
	else
		not_ok "$what: got code '$got', wanted $want: $(cat "$T/err")"
	fi
}

C=backups
azk create-container $C && ok "create container (Shared Key)" || not_ok "create container"
expect_code ContainerAlreadyExists "create it again" azk create-container $C
azk create-container $C --exist-ok && ok "create --exist-ok" || not_ok "create --exist-ok"

# 2500 blobs under pg/c1/: 500 at the top, the rest in folders
$PY - >"$T/names" <<'EOF'
folders = ["", "base/20240101T000000/", "wals/0000000100000000/",
           "wals/0000000100000001/", "x y+z/"]
for i in range(2500):
    print("pg/c1/%s%05d" % (folders[i % 5], i))
EOF
sort "$T/names" >"$T/names.sorted"
out=$(azk put-many $C "$T/names" --jobs 8) && [ "$out" = "put 2500" ] &&
	ok "put-many 2500 blobs" || not_ok "put-many: $out"
azk put $C "pg/c1/odd name é&<>.txt" --data "odd" && ok "put (odd name)" || not_ok "put (odd name)"
echo "pg/c1/odd name é&<>.txt" >>"$T/names"
LC_ALL=C sort "$T/names" >"$T/names.sorted"

# full listing, no delimiter, 100 a page
azk list $C --prefix pg/c1/ --maxresults 100 --pages >"$T/l1" || not_ok "list (no delimiter)"
grep '^blob' "$T/l1" | cut -f2 >"$T/l1.names"
if [ "$(wc -l <"$T/l1.names")" -eq 2501 ] &&
	[ -z "$(sort "$T/l1.names" | uniq -d)" ] &&
	LC_ALL=C sort "$T/l1.names" | cmp -s - "$T/names.sorted"; then
	ok "list, 100 a page: 2501 names, none lost or repeated"
else
	not_ok "list, 100 a page: $(wc -l <"$T/l1.names") names"
fi
cmp -s "$T/l1.names" "$T/names.sorted" && ok "list order is byte order" ||
	not_ok "list order is not byte order"
n=$(sed -n 's/^pages\t//p' "$T/l1")
[ "$n" -eq 26 ] && [ "$(grep -c "^page$TAB" "$T/l1")" -eq 26 ] && ok "26 pages of at most 100" ||
	not_ok "pages: $n"
awk -F'\t' '$1 == "page" && $3 > 100 { bad = 1 } END { exit bad }' "$T/l1" &&
	ok "no page over maxresults" || not_ok "a page over maxresults"
awk -F'\t' '$1 == "blob" && ($3 !~ /^[0-9]+$/ || $4 !~ / GMT$/) { bad = 1 } END { exit bad }' "$T/l1" &&
	ok "size and Last-Modified on every blob line" || not_ok "bad blob line"
grep -q "^blob	pg/c1/00005	11	" "$T/l1" && ok "Content-Length of pg/c1/00005 is 11" ||
	not_ok "Content-Length of pg/c1/00005"

# with a delimiter, 7 a page: 3 prefixes and 501 blobs
azk list $C --prefix pg/c1/ --delimiter / --maxresults 7 --pages >"$T/l2" || not_ok "list (delimiter)"
grep -v '^page' "$T/l2" | grep -v '^pages' | cut -f1,2 | LC_ALL=C sort >"$T/l2.entries"
{
	printf 'prefix\tpg/c1/base/\nprefix\tpg/c1/wals/\nprefix\tpg/c1/x y+z/\n'
	grep -v '^pg/c1/.*/' "$T/names" | sed 's/^/blob\t/'
} | LC_ALL=C sort >"$T/l2.want"
if cmp -s "$T/l2.entries" "$T/l2.want" && [ -z "$(uniq -d "$T/l2.entries")" ]; then
	ok "list with delimiter, 7 a page: 3 prefixes + 501 blobs, none lost or repeated"
else
	not_ok "list with delimiter: $(diff "$T/l2.want" "$T/l2.entries" | head -5)"
fi
awk -F'\t' '$1 == "page" && $3 > 7 { bad = 1 } END { exit bad }' "$T/l2" &&
	ok "no delimiter page over 7" || not_ok "a delimiter page over 7"
n=$(sed -n 's/^pages\t//p' "$T/l2")
[ "$n" -ge 72 ] && ok "delimiter listing took $n pages" || not_ok "delimiter pages: $n"

out=$(azk list $C --prefix pg/c1/wals/ --delimiter / | tr '\t' ' ' | tr '\n' '|')
[ "$out" = "prefix pg/c1/wals/0000000100000000/|prefix pg/c1/wals/0000000100000001/|" ] &&
	ok "nested prefixes" || not_ok "nested prefixes: $out"

# one page at a time with --marker
azk list $C --prefix pg/c1/base/ --maxresults 300 --one-page >"$T/p1"
m=$(sed -n 's/^next\t//p' "$T/p1")
azk list $C --prefix pg/c1/base/ --maxresults 300 --marker "$m" --one-page >"$T/p2"
a=$(grep -c '^blob' "$T/p1") b=$(grep -c '^blob' "$T/p2")
if [ -n "$m" ] && [ "$a" -eq 300 ] && [ "$b" -eq 200 ] && ! grep -q '^next' "$T/p2" &&
	[ -z "$(cat "$T/p1" "$T/p2" | grep '^blob' | cut -f2 | sort | uniq -d)" ]; then
	ok "--one-page / --marker: 300 + 200, marker '$m'"
else
	not_ok "--one-page / --marker: $a + $b, marker '$m'"
fi

# get, delete
[ "$(azk get $C pg/c1/base/20240101T000000/00001)" = "pg/c1/base/20240101T000000/00001" ] &&
	ok "get" || not_ok "get"
[ "$(azk get $C "pg/c1/odd name é&<>.txt")" = "odd" ] && ok "get (odd name)" || not_ok "get (odd name)"
azk get $C pg/c1/00000 -o "$T/got" && [ "$(cat "$T/got")" = pg/c1/00000 ] &&
	ok "get -o FILE" || not_ok "get -o FILE"
azk delete $C pg/c1/00000 && ok "delete" || not_ok "delete"
expect_code BlobNotFound "get deleted blob" azk get $C pg/c1/00000
expect_code BlobNotFound "delete it again" azk delete $C pg/c1/00000
expect_code ContainerNotFound "list missing container" azk list nosuchcontainer
expect_code ContainerNotFound "get from missing container" azk get nosuchcontainer x
[ "$(azk list $C --prefix pg/c1/ | grep -c '^blob')" -eq 2500 ] &&
	ok "2500 left after delete" || not_ok "count after delete"

# connection strings: Shared Key
CS="DefaultEndpointsProtocol=http;AccountName=$ACCT;AccountKey=$KEY;BlobEndpoint=$EP/$ACCT;"
[ "$(azk connection-string)" = "$CS" ] && ok "connection-string" || not_ok "connection-string: $(azk connection-string)"
[ "$(AZURE_STORAGE_CONNECTION_STRING=$CS $PY "$here/azblob.py" get $C pg/c1/00005)" = pg/c1/00005 ] &&
	ok "get via AZURE_STORAGE_CONNECTION_STRING (Shared Key)" || not_ok "get via connection string"

# service SAS for the container: racwdl does everything in it
SAS=$(azk sas container $C -p racwdl --start -60 --expiry +600)
azs put $C sas/one --data one && ok "container SAS racwdl: put" || not_ok "container SAS: put"
[ "$(azs get $C sas/one)" = one ] && ok "container SAS racwdl: get" || not_ok "container SAS: get"
[ "$(azs list $C --prefix sas/ | cut -f2)" = sas/one ] && ok "container SAS racwdl: list" ||
	not_ok "container SAS: list"
azs delete $C sas/one && ok "container SAS racwdl: delete" || not_ok "container SAS: delete"
expect_code AuthorizationFailure "container SAS used on another container" azs list other

# service SAS with list+read: paging works the same
SAS=$(azk sas container $C -p rl)
azs list $C --prefix pg/c1/ --maxresults 1000 --pages >"$T/l3" &&
	[ "$(grep -c '^blob' "$T/l3")" -eq 2500 ] && [ "$(sed -n 's/^pages\t//p' "$T/l3")" -eq 3 ] &&
	ok "container SAS rl: list 2500 in 3 pages" || not_ok "container SAS rl: list"
[ "$(azs get $C pg/c1/00005)" = pg/c1/00005 ] && ok "container SAS rl: get" || not_ok "container SAS rl: get"
expect_code AuthorizationPermissionMismatch "container SAS rl: put" azs put $C sas/two --data x
expect_code AuthorizationPermissionMismatch "container SAS rl: delete" azs delete $C pg/c1/00005

# the same SAS in a connection string
CSS="BlobEndpoint=$EP/$ACCT;SharedAccessSignature=$SAS"
[ "$(AZURE_STORAGE_CONNECTION_STRING=$CSS $PY "$here/azblob.py" get $C pg/c1/00010)" = pg/c1/00010 ] &&
	ok "get via a SAS connection string" || not_ok "get via a SAS connection string"

# read-only: get works, list must fail
SAS=$(azk sas container $C -p r)
[ "$(azs get $C pg/c1/00015)" = pg/c1/00015 ] && ok "read-only SAS: get" || not_ok "read-only SAS: get"
expect_code AuthorizationPermissionMismatch "read-only SAS: list" azs list $C --prefix pg/

# expired
SAS=$(azk sas container $C -p rl --start -7200 --expiry -60)
expect_code AuthorizationFailure "expired container SAS: list" azs list $C --prefix pg/
expect_code AuthorizationFailure "expired container SAS: get" azs get $C pg/c1/00005
SAS=$(azk sas container $C -p rl --start +3600 --expiry +7200)
expect_code AuthorizationFailure "not yet valid SAS: list" azs list $C --prefix pg/

# blob SAS
SAS=$(azk sas blob $C pg/c1/00020 -p r)
[ "$(azs get $C pg/c1/00020)" = pg/c1/00020 ] && ok "blob SAS: get its blob" || not_ok "blob SAS: get"
expect_code AuthorizationFailure "blob SAS: get another blob" azs get $C pg/c1/00025

# account SAS: create a container, put, get, list, delete
SAS=$(azk sas account -p racwdl --resource-types sco)
azs create-container acctsas && ok "account SAS: create container" || not_ok "account SAS: create container"
azs put acctsas a/b --size 1000 && ok "account SAS: put" || not_ok "account SAS: put"
[ "$(azs get acctsas a/b | wc -c)" -eq 1000 ] && ok "account SAS: get" || not_ok "account SAS: get"
[ "$(azs list acctsas | cut -f1-3 | tr '\t' ' ')" = "blob a/b 1000" ] && ok "account SAS: list" ||
	not_ok "account SAS: list"
azs delete acctsas a/b && ok "account SAS: delete" || not_ok "account SAS: delete"
azs delete-container acctsas && ok "account SAS: delete container" || not_ok "account SAS: delete container"
SAS=$(azk sas account -p r)
expect_code AuthorizationPermissionMismatch "account SAS r: list" azs list $C
SAS=$(azk sas account -p rl --expiry -60)
expect_code AuthorizationFailure "expired account SAS: list" azs list $C
SAS=$(azk sas account -p rl --resource-types o)
expect_code AuthorizationResourceTypeMismatch "account SAS srt=o: list" azs list $C

# wrong key, unknown account
WRONG=$($PY -c 'import base64, os; print(base64.b64encode(os.urandom(64)).decode())')
expect_code AuthorizationFailure "wrong key: list" "$PY" "$here/azblob.py" -e "$EP" -a "$ACCT" -k "$WRONG" list $C
expect_code AuthorizationFailure "wrong key: get" "$PY" "$here/azblob.py" -e "$EP" -a "$ACCT" -k "$WRONG" get $C pg/c1/00005
expect_code AuthorizationFailure "wrong key: put" "$PY" "$here/azblob.py" -e "$EP" -a "$ACCT" -k "$WRONG" put $C x --data x
expect_code ResourceNotFound "unknown account" "$PY" "$here/azblob.py" -e "$EP" -a nosuchacct -k "$KEY" list $C

# x-ms-version
expect_code InvalidHeaderValue "x-ms-version 2099-01-01" azk --x-ms-version 2099-01-01 list $C
azk --x-ms-version none list $C --prefix pg/c1/base/ >/dev/null && ok "no x-ms-version is accepted" ||
	not_ok "no x-ms-version"

# the well-known account still works beside the custom one
azd() { $PY "$here/azblob.py" -e "$EP" "$@"; }
azd create-container devc && azd put devc k --data v && [ "$(azd get devc k)" = v ] &&
	ok "devstoreaccount1 (well-known key)" || not_ok "devstoreaccount1"
expect_code ContainerNotFound "accounts are separate" azd get $C pg/c1/00005

# stop by PID
$AZ stop "$T/az"
if kill -0 "$PID" 2>/dev/null; then not_ok "stop: pid $PID still alive"; else ok "stop: pid $PID gone"; fi
[ ! -e "$T/az/azurite.pid" ] && ok "stop removed azurite.pid" || not_ok "azurite.pid left"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
