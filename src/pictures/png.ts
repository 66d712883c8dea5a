// PNG output for the Node demo and CLI (never imported by the browser entry: it needs node:zlib).
// Only what those need: 8-bit greyscale or RGB, no interlace, filter 0 on every row.
import { deflateSync } from "node:zlib";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

// CRC-32 as PNG specifies it (ISO 3309, reflected polynomial 0xEDB88320), one table lookup per byte.
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of `bytes` (the same value as zlib's crc32 and Python's zlib.crc32), as an unsigned integer. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function positiveInteger(name: string, v: number): void {
  // PNG stores sizes as 31-bit unsigned integers.
  if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff)
    throw new RangeError(`${name} must be a positive integer, got ${v}`);
}

/** A PNG file of `pixels` (row-major, `channels` bytes per pixel: 1 = grey, 3 = RGB). */
export function encodePng(width: number, height: number, pixels: Uint8Array, channels: 1 | 3): Uint8Array {
  positiveInteger("width", width);
  positiveInteger("height", height);
  if (channels !== 1 && channels !== 3) throw new RangeError(`channels must be 1 or 3, got ${channels}`);
  if (!(pixels instanceof Uint8Array)) throw new TypeError("pixels must be a Uint8Array");
  const stride = width * channels;
  if (pixels.length !== stride * height) {
    throw new RangeError(
      `pixels has length ${pixels.length}, expected width*height*channels = ${width}*${height}*${channels} = ${stride * height}`,
    );
  }

  // Each scanline is prefixed by its filter type; 0 (None) keeps the encoder trivial and deflate still
  // compresses the flat areas of plots well.
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);

  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 1 ? 0 : 2; // colour type: greyscale or truecolour
  // compression 0, filter method 0, interlace 0: already zero.

  const chunks = [chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", new Uint8Array(0))];
  const out = new Uint8Array(SIGNATURE.length + chunks.reduce((n, c) => n + c.length, 0));
  out.set(SIGNATURE, 0);
  let at = SIGNATURE.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** length, type, data, and the CRC over type + data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}
