#!/bin/sh
# Install the Debian packages the build and the tests need (a no-op when
# they are all present).  Run as root, or with sudo available.
set -eu
pkgs="make gcc clang libclang-rt-14-dev pkg-config
libcurl4-openssl-dev libyaml-dev libjansson-dev libexpat1-dev libssl-dev
zlib1g-dev libbz2-dev liblzma-dev libzstd-dev liblz4-dev libsnappy-dev
xz-utils zstd lz4 bzip2 gzip python3-snappy
valgrind cppcheck clang-tidy clang-format man-db mandoc openssl
postgresql-15 barman-cli-cloud python3 procps
curl python3-cryptography python3-yaml"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
# Node.js runs Azurite (the Azure Storage emulator of the Azure tests); a
# machine that has node and npm already keeps its own
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
	missing="$missing nodejs npm"
if [ -z "$missing" ]; then
	echo "deps: all packages present"
else
	echo "deps: installing$missing"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing
fi
# Azurite, pinned by tests/azure/package-lock.json, into build/azurite/
# (from the npm registry; a no-op when it is there)
sh "$(dirname "$0")/azure/azurite.sh" install
