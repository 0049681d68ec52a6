"""Standard input to standard output in snappy's framing format, as
python-snappy's stream_compress writes it: the stream identifier, then
chunks of at most 65536 bytes, compressed with the snappy block format and
checksummed with a masked CRC-32C.  With --tail N the last N bytes go in an
uncompressed chunk, and a padding chunk follows the identifier, so that a
reader meets every chunk type it must handle."""
import struct
import sys

import snappy


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def masked(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def chunk(kind, body):
    return bytes([kind]) + struct.pack("<I", len(body))[:3] + body


def main():
    tail = 0
    if len(sys.argv) == 3 and sys.argv[1] == "--tail":
        tail = int(sys.argv[2])
    data = sys.stdin.buffer.read()
    out = chunk(0xFF, b"sNaPpY")
    if tail:
        out += chunk(0xFE, b"\0" * 3)
    body = data[: len(data) - tail] if tail else data
    for i in range(0, len(body), 65536):
        part = body[i : i + 65536]
        out += chunk(0x00, struct.pack("<I", masked(part)) + snappy.compress(part))
    if tail:
        part = data[len(data) - tail :]
        out += chunk(0x01, struct.pack("<I", masked(part)) + part)
    sys.stdout.buffer.write(out)


main()
