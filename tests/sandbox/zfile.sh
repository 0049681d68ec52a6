#!/bin/sh
# zfile.sh FORMAT <IN >OUT: compress standard input the way barman-cloud
# names the format (gz, bz2, xz, zst, lz4, snappy), with the real tools.
# snappy: Debian 12's python3-snappy cannot stream_compress under Python
# 3.11 (a SystemError from its CRC helper), so the framing format is
# written by snappy_frame.py around its block compressor.
set -eu
case ${1:-} in
gz) gzip -n -c ;;
bz2) bzip2 -c ;;
xz) xz -c ;;
zst) zstd -q -c ;;
lz4) lz4 -q -c ;;
snappy) /usr/bin/python3 "$(dirname "$0")/snappy_frame.py" ;;
*) echo "usage: zfile.sh gz|bz2|xz|zst|lz4|snappy <IN >OUT" >&2; exit 2 ;;
esac
