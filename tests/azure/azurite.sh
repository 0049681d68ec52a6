#!/bin/sh
# Azurite (Microsoft's Azure Storage emulator), blob service only, for tests.
# See tests/azure/README.md.
#
#   azurite.sh install
#        install the pinned Azurite into build/azurite/ of the project (npm ci
#        with tests/azure/package-lock.json); quiet and quick when already there
#   azurite.sh start DIR [--accounts "acct1:key1;acct2:key2"] [--https CERT KEY] [--oauth]
#        start azurite-blob on 127.0.0.1 (a free port), data in DIR, with
#        DIR/azurite.pid, DIR/azurite.port, DIR/azurite.log (DIR/azurite.scheme
#        with --https); wait until it answers; print the blob endpoint
#        (http://127.0.0.1:PORT).  Keys are base64; devstoreaccount1 (the
#        well-known key) is always there too.  --oauth enables "--oauth basic"
#        (bearer tokens; Azurite accepts them over https only).
#        AZURITE_DEBUG=1 adds Azurite's debug log in DIR/azurite-debug.log (it
#        shows the string-to-sign Azurite computed for every request).
#   azurite.sh stop DIR       kill exactly the PID in DIR/azurite.pid and wait
#   azurite.sh url DIR        print the blob endpoint of the instance in DIR
#   azurite.sh version        print the pinned version
#
# Signature checking stays strict: neither --loose nor --skipApiVersionCheck
# is given.  Telemetry is off (--disableTelemetry).  Nothing is ever killed
# by name.
set -u

AZURITE_VERSION=3.35.0
# the well-known emulator account (public, documented by Microsoft)
DEV_ACCOUNT=devstoreaccount1
DEV_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

here=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$here/../.." && pwd)
DEST=${AZURITE_PREFIX:-$TOP/build/azurite}
MAIN=$DEST/node_modules/azurite/dist/src/blob/main.js
PY=${PYTHON:-python3}

die() { echo "azurite.sh: $*" >&2; exit 1; }

usage() {
	sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

installed_version() {
	[ -f "$DEST/node_modules/azurite/package.json" ] || return 1
	node -e 'process.stdout.write(require(process.argv[1]).version)' \
		"$DEST/node_modules/azurite/package.json" 2>/dev/null
}

# a fingerprint of what is wanted: the pinned version and the lock file
want_stamp() {
	if [ -f "$here/package-lock.json" ]; then
		echo "$AZURITE_VERSION $(cksum <"$here/package-lock.json")"
	else
		echo "$AZURITE_VERSION no-lock"
	fi
}

cmd_install() {
	command -v node >/dev/null 2>&1 || die "node is not installed"
	command -v npm >/dev/null 2>&1 || die "npm is not installed"
	# some of the locked dependencies (@azure/core-*) declare node >= 20
	major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
	[ "${major:-0}" -ge 20 ] 2>/dev/null || die "node >= 20 is needed (found $(node --version))"
	if [ "$(installed_version || true)" = "$AZURITE_VERSION" ] &&
		[ -f "$DEST/.stamp" ] && [ "$(cat "$DEST/.stamp")" = "$(want_stamp)" ]; then
		return 0
	fi
	echo "azurite.sh: installing azurite $AZURITE_VERSION into $DEST" >&2
	mkdir -p "$DEST" || exit 1
	rm -f "$DEST/.stamp"
	# must match the root entry of package-lock.json for npm ci
	cat >"$DEST/package.json" <<EOF
{
  "name": "cnpgops-azurite",
  "version": "1.0.0",
  "private": true,
  "description": "Azurite for the tests of kubectl-cnpgops (made by tests/azure/azurite.sh)",
  "dependencies": {
    "azurite": "$AZURITE_VERSION"
  }
}
EOF
	log=$DEST/npm-install.log
	if [ -f "$here/package-lock.json" ]; then
		cp "$here/package-lock.json" "$DEST/package-lock.json" || exit 1
		(cd "$DEST" && npm ci --prefix "$DEST" --no-audit --no-fund \
			--loglevel=error) >"$log" 2>&1
	else
		rm -f "$DEST/package-lock.json"
		(cd "$DEST" && npm install --prefix "$DEST" --no-audit --no-fund \
			--save-exact --loglevel=error) >"$log" 2>&1
	fi
	rc=$?
	if [ $rc -ne 0 ]; then
		sed 's/^/    /' "$log" >&2
		die "npm failed (exit $rc); log in $log"
	fi
	[ "$(installed_version || true)" = "$AZURITE_VERSION" ] ||
		die "azurite $AZURITE_VERSION is not in $DEST after npm"
	want_stamp >"$DEST/.stamp"
}

free_port() {
	$PY -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# wait until 127.0.0.1:$2 answers HTTP(S) ($1 = scheme) or pid $3 is gone,
# at most 30 s; exit 0 if it answers
wait_answer() {
	$PY - "$1" "$2" "$3" <<'EOF'
import http.client, os, ssl, sys, time
scheme, port, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
deadline = time.monotonic() + 30
delay = 0.02
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(2)
    try:
        if scheme == "https":
            c = http.client.HTTPSConnection("127.0.0.1", port, timeout=2,
                context=ssl._create_unverified_context())
        else:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        c.request("GET", "/devstoreaccount1?comp=list")
        c.getresponse().read()
        c.close()
        sys.exit(0)
    except (OSError, http.client.HTTPException):
        pass
    time.sleep(delay)
    delay = min(delay * 2, 0.25)
sys.exit(1)
EOF
}

# check "acct:key[:key2];..." and print it with devstoreaccount1 added
accounts_env() {
	$PY - "$1" "$DEV_ACCOUNT" "$DEV_KEY" <<'EOF'
import base64, binascii, re, sys
spec, dev, devkey = sys.argv[1:]
out, names = [], set()
for entry in spec.strip().split(";"):
    if not entry:
        continue
    parts = entry.split(":")
    if len(parts) not in (2, 3):
        sys.exit("bad account entry %r: want NAME:KEY or NAME:KEY1:KEY2" % entry)
    if not re.fullmatch(r"[a-z0-9]{3,24}", parts[0]):
        sys.exit("bad account name %r: 3 to 24 lowercase letters and digits" % parts[0])
    for k in parts[1:]:
        try:
            if not k or not base64.b64decode(k, validate=True):
                raise ValueError
        except (binascii.Error, ValueError):
            sys.exit("key of %s is not base64: %r" % (parts[0], k))
    names.add(parts[0])
    out.append(entry)
if dev not in names:
    out.append("%s:%s" % (dev, devkey))
print(";".join(out))
EOF
}

cmd_start() {
	[ $# -ge 1 ] || usage
	dir=$1
	shift
	accounts="" cert="" key="" oauth=""
	while [ $# -gt 0 ]; do
		case $1 in
		--accounts)
			[ $# -ge 2 ] || usage
			accounts=$2
			shift 2
			;;
		--https)
			[ $# -ge 3 ] || usage
			cert=$2 key=$3
			shift 3
			;;
		--oauth)
			oauth=1
			shift
			;;
		*) usage ;;
		esac
	done
	[ -f "$MAIN" ] || die "azurite is not installed (run: sh $0 install)"
	mkdir -p "$dir" || exit 1
	dir=$(cd "$dir" && pwd)
	if [ -f "$dir/azurite.pid" ] && kill -0 "$(cat "$dir/azurite.pid")" 2>/dev/null; then
		die "azurite already runs for $dir (pid $(cat "$dir/azurite.pid"))"
	fi
	rm -f "$dir/azurite.pid" "$dir/azurite.port" "$dir/azurite.scheme"
	scheme=http
	set --
	if [ -n "$cert" ]; then
		[ -f "$cert" ] || die "no certificate file $cert"
		[ -f "$key" ] || die "no key file $key"
		scheme=https
		set -- --cert "$cert" --key "$key"
	fi
	[ -n "$oauth" ] && set -- "$@" --oauth basic
	if [ "${AZURITE_DEBUG:-}" = 1 ]; then
		set -- "$@" --debug "$dir/azurite-debug.log"
	fi
	if [ -n "$accounts" ]; then
		env_accounts=$(accounts_env "$accounts") || die "bad --accounts"
	else
		env_accounts=""
	fi
	tries=0
	while [ $tries -lt 5 ]; do
		tries=$((tries + 1))
		port=$(free_port) || die "could not find a free port"
		if [ -n "$env_accounts" ]; then
			AZURITE_ACCOUNTS=$env_accounts node "$MAIN" --blobHost 127.0.0.1 \
				--blobPort "$port" --location "$dir" --disableTelemetry \
				--disableProductStyleUrl "$@" >"$dir/azurite.log" 2>&1 </dev/null &
		else
			env -u AZURITE_ACCOUNTS node "$MAIN" --blobHost 127.0.0.1 \
				--blobPort "$port" --location "$dir" --disableTelemetry \
				--disableProductStyleUrl "$@" >"$dir/azurite.log" 2>&1 </dev/null &
		fi
		pid=$!
		echo "$pid" >"$dir/azurite.pid"
		wait_answer "$scheme" "$port" "$pid"
		rc=$?
		if [ $rc -eq 0 ] && kill -0 "$pid" 2>/dev/null; then
			echo "$port" >"$dir/azurite.port"
			echo "$scheme" >"$dir/azurite.scheme"
			echo "$scheme://127.0.0.1:$port"
			return 0
		fi
		if [ $rc -eq 1 ]; then
			kill "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
			rm -f "$dir/azurite.pid"
			die "azurite did not answer on 127.0.0.1:$port within 30 s (log: $dir/azurite.log)"
		fi
		# it exited: most likely the port was taken meanwhile; retry
		wait "$pid" 2>/dev/null
		rm -f "$dir/azurite.pid"
		grep -q EADDRINUSE "$dir/azurite.log" 2>/dev/null || {
			echo "azurite.sh: azurite exited before it answered; its log:" >&2
			sed 's/^/    /' "$dir/azurite.log" >&2
			exit 1
		}
	done
	die "azurite failed to start 5 times (log: $dir/azurite.log)"
}

cmd_stop() {
	[ $# -eq 1 ] || usage
	dir=$1
	[ -f "$dir/azurite.pid" ] || return 0
	pid=$(cat "$dir/azurite.pid")
	case $pid in
	'' | *[!0-9]*) die "bad pid in $dir/azurite.pid" ;;
	esac
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null
		$PY - "$pid" <<'EOF'
import os, sys, time
pid = int(sys.argv[1])
deadline = time.monotonic() + 15
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(0)
    time.sleep(0.05)
try:
    os.kill(pid, 9)
except OSError:
    pass
EOF
		# reap it if it is our child; harmless otherwise
		wait "$pid" 2>/dev/null
	fi
	rm -f "$dir/azurite.pid" "$dir/azurite.port"
}

cmd_url() {
	[ $# -eq 1 ] || usage
	[ -s "$1/azurite.port" ] || die "no azurite port in $1/azurite.port"
	scheme=http
	[ -f "$1/azurite.scheme" ] && scheme=$(cat "$1/azurite.scheme")
	echo "$scheme://127.0.0.1:$(cat "$1/azurite.port")"
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case $cmd in
install) cmd_install "$@" ;;
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
url) cmd_url "$@" ;;
version) echo "$AZURITE_VERSION" ;;
*) usage ;;
esac
