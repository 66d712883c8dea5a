"""Decodes an 8-bit greyscale or RGB PNG with the standard library alone, independently of zeroconv's
encoder, checking every rule test/png.test.ts relies on, and prints what it found as JSON.

Usage: python3 png_check.py FILE.png
Prints {"width", "height", "bitDepth", "colorType", "chunks", "pixels"} with pixels the row-major bytes
(filter bytes removed). Any violation exits with status 1 and the reason on stderr.
"""
import json
import struct
import sys
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def fail(msg):
    sys.stderr.write("png_check: " + msg + "\n")
    sys.exit(1)


def main(path):
    data = open(path, "rb").read()
    if data[:8] != SIGNATURE:
        fail("bad signature %r" % data[:8])
    pos, chunks = 8, []
    while pos < len(data):
        if pos + 12 > len(data):
            fail("truncated chunk at byte %d" % pos)
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        ctype = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if len(body) != length:
            fail("chunk %r runs past the end of the file" % ctype)
        want = zlib.crc32(ctype + body) & 0xFFFFFFFF
        if crc != want:
            fail("chunk %r CRC %08x, expected %08x" % (ctype, crc, want))
        chunks.append((ctype.decode("ascii"), body))
        pos += 12 + length

    names = [c[0] for c in chunks]
    if names[0] != "IHDR" or names[-1] != "IEND" or "IDAT" not in names:
        fail("chunk order %s" % names)
    if chunks[-1][1] != b"":
        fail("IEND is not empty")
    ihdr = chunks[0][1]
    if len(ihdr) != 13:
        fail("IHDR has %d bytes" % len(ihdr))
    width, height, depth, ctype, comp, filt, interlace = struct.unpack(">IIBBBBB", ihdr)
    if width == 0 or height == 0:
        fail("zero size %dx%d" % (width, height))
    if depth != 8 or ctype not in (0, 2) or comp != 0 or filt != 0 or interlace != 0:
        fail("unsupported IHDR depth=%d colour=%d compression=%d filter=%d interlace=%d" % (depth, ctype, comp, filt, interlace))

    raw = zlib.decompress(b"".join(body for name, body in chunks if name == "IDAT"))
    channels = 1 if ctype == 0 else 3
    stride = width * channels
    if len(raw) != (stride + 1) * height:
        fail("inflated %d bytes, expected %d" % (len(raw), (stride + 1) * height))
    pixels = []
    for y in range(height):
        row = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        if row[0] != 0:
            fail("row %d has filter type %d, expected 0" % (y, row[0]))
        pixels.extend(row[1:])

    json.dump({"width": width, "height": height, "bitDepth": depth, "colorType": ctype,
               "chunks": names, "pixels": pixels}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
