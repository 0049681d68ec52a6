#!/bin/sh
# Helper for the fake GCS server (tests/gcs/fake_gcs.py).  See README.md.
#
#   gcs.sh start DIR CONFIG [--tls CERT KEY] [-- SERVER_ARGS...]
#        start the server in the background (DIR/gcs.pid, DIR/gcs.port,
#        DIR/gcs.log), wait until it answers (at most 20 s), print its base URL.
#        CONFIG may be "-" for none.
#   gcs.sh stop DIR          kill the PID in DIR/gcs.pid and wait for it to exit
#   gcs.sh url DIR           print the base URL of the server started in DIR
#   gcs.sh keygen DIR EMAIL TOKEN_URI
#        DIR/key.pem (RSA 2048), DIR/public.pem, DIR/sa.json (a service
#        account key file as the Google console writes it) and
#        DIR/sa-entry.json (the config entry for the server, without roles)
#   gcs.sh register DIR KEYDIR ROLES_JSON
#        add the service account of KEYDIR to the running server of DIR with
#        ROLES_JSON, e.g. '{"bkt": ["roles/storage.objectViewer"]}'
#   gcs.sh certs DIR         DIR/ca.crt, DIR/server.crt, DIR/server.key
#        (a throwaway CA and a server certificate for 127.0.0.1 and localhost)
#
# Nothing is ever killed by name: stop kills exactly the recorded PID.
set -u
here=$(cd "$(dirname "$0")" && pwd)
PY=${PYTHON:-python3}

die() { echo "gcs.sh: $*" >&2; exit 1; }

usage() {
	sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# base URL of the server of $1, from its port file and log
base_url() {
	[ -s "$1/gcs.port" ] || die "no server port in $1/gcs.port"
	port=$(cat "$1/gcs.port")
	scheme=http
	[ -f "$1/gcs.scheme" ] && scheme=$(cat "$1/gcs.scheme")
	echo "$scheme://127.0.0.1:$port"
}

cmd_start() {
	[ $# -ge 2 ] || usage
	dir=$1 config=$2
	shift 2
	tls=""
	cert="" key=""
	if [ $# -ge 1 ] && [ "$1" = "--tls" ]; then
		[ $# -ge 3 ] || usage
		cert=$2 key=$3 tls=1
		shift 3
	fi
	if [ $# -ge 1 ] && [ "$1" = "--" ]; then
		shift
	fi
	mkdir -p "$dir" || exit 1
	if [ -f "$dir/gcs.pid" ] && kill -0 "$(cat "$dir/gcs.pid")" 2>/dev/null; then
		die "a server is already running for $dir (pid $(cat "$dir/gcs.pid"))"
	fi
	rm -f "$dir/gcs.port" "$dir/gcs.pid" "$dir/gcs.scheme"
	if [ -n "$tls" ]; then
		echo https >"$dir/gcs.scheme"
		set -- --cert "$cert" --key "$key" "$@"
	fi
	if [ -n "$config" ] && [ "$config" != "-" ]; then
		[ -f "$config" ] || die "no config file $config"
		set -- --config "$config" "$@"
	fi
	$PY "$here/fake_gcs.py" "$dir/gcs.port" "$@" >"$dir/gcs.log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$dir/gcs.pid"
	i=0
	while [ ! -s "$dir/gcs.port" ]; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "gcs.sh: the server exited before it listened; its log:" >&2
			sed 's/^/    /' "$dir/gcs.log" >&2
			rm -f "$dir/gcs.pid"
			exit 1
		fi
		i=$((i + 1))
		if [ $i -gt 400 ]; then
			echo "gcs.sh: the server (pid $pid) did not listen within 20 s; its log:" >&2
			sed 's/^/    /' "$dir/gcs.log" >&2
			kill "$pid" 2>/dev/null
			rm -f "$dir/gcs.pid"
			exit 1
		fi
		sleep 0.05
	done
	url=$(base_url "$dir")
	# it listens; now check it answers (bounded: 50 tries of at most 2 s)
	if ! $PY - "$url" <<'EOF'
import ssl, sys, time, urllib.request
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
for _ in range(50):
    try:
        with urllib.request.urlopen(sys.argv[1] + "/_fake/health", timeout=2, context=ctx) as r:
            if r.status == 200:
                sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
	then
		echo "gcs.sh: the server (pid $pid) does not answer at $url; its log:" >&2
		sed 's/^/    /' "$dir/gcs.log" >&2
		kill "$pid" 2>/dev/null
		rm -f "$dir/gcs.pid"
		exit 1
	fi
	echo "$url"
}

cmd_stop() {
	[ $# -eq 1 ] || usage
	dir=$1
	[ -f "$dir/gcs.pid" ] || exit 0
	pid=$(cat "$dir/gcs.pid")
	case "$pid" in '' | *[!0-9]*) die "bad pid file $dir/gcs.pid" ;; esac
	# a recycled PID is not ours: check its command line where /proc tells it
	if [ -r "/proc/$pid/cmdline" ] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q fake_gcs.py; then
		rm -f "$dir/gcs.pid"
		exit 0
	fi
	kill "$pid" 2>/dev/null || { rm -f "$dir/gcs.pid"; exit 0; }
	i=0
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 200 ]; then
			kill -9 "$pid" 2>/dev/null
			break
		fi
		sleep 0.05
	done
	rm -f "$dir/gcs.pid"
}

cmd_keygen() {
	[ $# -eq 3 ] || usage
	dir=$1 email=$2 token_uri=$3
	command -v openssl >/dev/null 2>&1 || die "openssl is not on PATH"
	mkdir -p "$dir" || exit 1
	# PKCS#8 "BEGIN PRIVATE KEY", as in the console's key files
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/key.pem" 2>/dev/null ||
		die "openssl genpkey failed"
	chmod 600 "$dir/key.pem"
	openssl pkey -in "$dir/key.pem" -pubout -out "$dir/public.pem" || die "openssl pkey failed"
	kid=$(openssl rand -hex 20) || die "openssl rand failed"
	$PY - "$dir" "$email" "$token_uri" "$kid" <<'EOF' || die "writing $dir/sa.json failed"
import json, os, secrets, sys, urllib.parse
d, email, token_uri, kid = sys.argv[1:5]
local, _, domain = email.partition("@")
project = domain.split(".")[0] if domain.endswith(".iam.gserviceaccount.com") else "fake-project"
key = open(os.path.join(d, "key.pem")).read()
pub = open(os.path.join(d, "public.pem")).read()
sa = {
    "type": "service_account",
    "project_id": project,
    "private_key_id": kid,
    "private_key": key,
    "client_email": email,
    "client_id": str(10**20 + secrets.randbelow(9 * 10**20)),
    "auth_uri": "https://accounts.google.com/o/oauth2/auth",
    "token_uri": token_uri,
    "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
    "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
                            + urllib.parse.quote(email, safe=""),
    "universe_domain": "googleapis.com",
}
with open(os.path.join(d, "sa.json"), "w") as f:
    json.dump(sa, f, indent=2)
    f.write("\n")
os.chmod(os.path.join(d, "sa.json"), 0o600)
with open(os.path.join(d, "sa-entry.json"), "w") as f:
    json.dump({"client_email": email, "public_key_pem": pub, "private_key_id": kid}, f, indent=2)
    f.write("\n")
EOF
}

cmd_register() {
	[ $# -eq 3 ] || usage
	url=$(base_url "$1") || exit 1
	[ -f "$2/sa-entry.json" ] || die "no $2/sa-entry.json (run gcs.sh keygen first)"
	$PY - "$url" "$2/sa-entry.json" "$3" <<'EOF'
import json, ssl, sys, urllib.request
url, entry_file, roles = sys.argv[1:4]
entry = json.load(open(entry_file))
entry["roles"] = json.loads(roles)
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
req = urllib.request.Request(url + "/_fake/service-accounts", data=json.dumps(entry).encode(),
                             headers={"Content-Type": "application/json"}, method="POST")
try:
    with urllib.request.urlopen(req, timeout=10, context=ctx) as r:
        r.read()
except urllib.error.HTTPError as e:
    sys.exit("gcs.sh register: %d %s" % (e.code, e.read().decode("utf-8", "replace")))
EOF
}

cmd_certs() {
	[ $# -eq 1 ] || usage
	dir=$1
	mkdir -p "$dir" || exit 1
	command -v openssl >/dev/null 2>&1 || die "openssl is not on PATH"
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=fake-gcs test CA" \
		-keyout "$dir/ca.key" -out "$dir/ca.crt" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
		2>/dev/null || die "openssl: CA failed"
	openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
		-keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null || die "openssl: CSR failed"
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
		>"$dir/server.ext"
	openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
		-CAcreateserial -days 30 -extfile "$dir/server.ext" -out "$dir/server.crt" 2>/dev/null ||
		die "openssl: signing failed"
	rm -f "$dir/server.csr" "$dir/server.ext" "$dir/ca.srl"
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case "$cmd" in
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
url) [ $# -eq 1 ] || usage; base_url "$1" ;;
keygen) cmd_keygen "$@" ;;
register) cmd_register "$@" ;;
certs) cmd_certs "$@" ;;
*) usage ;;
esac
