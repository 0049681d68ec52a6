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
if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
