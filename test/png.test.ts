// PNG output, picture helpers, bitmap font and line plots. The PNGs are decoded by an independent
// standard-library Python decoder (test/reference/png_check.py) where python3 exists, and by
// node:zlib's inflate plus the PNG byte layout written out here otherwise.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as zlib from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import {
  ADVANCE,
  DESCENT,
  GLYPH_HEIGHT,
  GLYPH_WIDTH,
  glyph,
  rasterize,
  textWidth,
} from "../src/pictures/bitmap_font.js";
import { greyImage, tileGrid, upscale, type GreyImage } from "../src/pictures/picture.js";
import { linePlot, type LinePlotOptions, type Rgb } from "../src/pictures/plot.js";
import { crc32, encodePng } from "../src/pictures/png.js";
import { randInt, rng } from "./util.js";

const scriptPath = fileURLToPath(new URL("./reference/png_check.py", import.meta.url));
const probe = spawnSync("python3", ["--version"], { encoding: "utf8" });
const hasPython = probe.status === 0;
const pyTitle = hasPython
  ? "png_check.py (Python's zlib and struct) decodes encodePng's files to the same pixels"
  : `skipped: python3 not available (${probe.error?.message ?? probe.stderr.trim()}), so PNGs are not cross-checked by png_check.py`;
// Said out loud too: a skipped describe's title is not printed by every reporter.
if (!hasPython) console.warn(`test/png.test.ts: ${pyTitle}`);

const dir = mkdtempSync(join(tmpdir(), "zeroconv-png-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Decoded {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  chunks: string[];
  pixels: number[];
}
function pythonDecode(png: Uint8Array, name: string): { status: number | null; stderr: string; decoded?: Decoded } {
  const file = join(dir, name);
  writeFileSync(file, png);
  const run = spawnSync("python3", [scriptPath, file], { encoding: "utf8", maxBuffer: 64 << 20, timeout: 60_000 });
  return {
    status: run.status,
    stderr: run.stderr,
    decoded: run.status === 0 ? (JSON.parse(run.stdout) as Decoded) : undefined,
  };
}

const randPixels = (seed: number, n: number): Uint8Array => {
  const r = rng(seed);
  return Uint8Array.from({ length: n }, () => randInt(r, 0, 255));
};

const imageCases: { width: number; height: number; channels: 1 | 3 }[] = [
  { width: 1, height: 1, channels: 1 },
  { width: 1, height: 1, channels: 3 },
  { width: 7, height: 3, channels: 1 },
  { width: 5, height: 4, channels: 3 },
  { width: 1, height: 9, channels: 3 },
  { width: 33, height: 17, channels: 1 },
  { width: 64, height: 48, channels: 3 },
  ...Array.from({ length: 12 }, (_, i) => {
    const r = rng(900 + i);
    return { width: randInt(r, 1, 40), height: randInt(r, 1, 40), channels: (i % 2 ? 3 : 1) as 1 | 3 };
  }),
];

describe.skipIf(!hasPython)(pyTitle, () => {
  it(`${imageCases.length} random grey and RGB images round-trip exactly`, () => {
    imageCases.forEach((c, i) => {
      const pixels = randPixels(i, c.width * c.height * c.channels);
      const { status, stderr, decoded } = pythonDecode(
        encodePng(c.width, c.height, pixels, c.channels),
        `case${i}.png`,
      );
      expect(status, stderr).toBe(0);
      expect(decoded!.width).toBe(c.width);
      expect(decoded!.height).toBe(c.height);
      expect(decoded!.bitDepth).toBe(8);
      expect(decoded!.colorType).toBe(c.channels === 1 ? 0 : 2);
      expect(decoded!.chunks).toEqual(["IHDR", "IDAT", "IEND"]);
      expect(decoded!.pixels).toEqual(Array.from(pixels));
    });
  });

  it("a line plot encoded as RGB round-trips exactly", () => {
    const plot = linePlot(ch07());
    const { status, stderr, decoded } = pythonDecode(encodePng(plot.width, plot.height, plot.pixels, 3), "plot.png");
    expect(status, stderr).toBe(0);
    expect([decoded!.width, decoded!.height, decoded!.colorType]).toEqual([plot.width, plot.height, 2]);
    expect(Buffer.from(decoded!.pixels).equals(plot.pixels)).toBe(true);
  });

  it("the checker itself rejects a file whose CRC is off by one bit", () => {
    const png = encodePng(3, 2, randPixels(1, 6), 1);
    png[8 + 8 + 13 + 3] ^= 1; // last byte of IHDR's CRC
    const { status, stderr } = pythonDecode(png, "bad.png");
    expect(status).toBe(1);
    expect(stderr).toMatch(/IHDR.*CRC/);
  });
});

describe("encodePng byte layout (read back with node:zlib)", () => {
  const be32 = (b: Uint8Array, at: number) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
  const ascii = (b: Uint8Array, at: number) => String.fromCharCode(...b.subarray(at, at + 4));

  it("signature, IHDR fields, one IDAT whose inflated rows are [0, row bytes…], empty IEND", () => {
    for (const [width, height, channels] of [
      [3, 2, 1],
      [4, 5, 3],
    ] as const) {
      const pixels = randPixels(width * 10 + height, width * height * channels);
      const png = encodePng(width, height, pixels, channels);
      expect(Array.from(png.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
      expect([be32(png, 8), ascii(png, 12)]).toEqual([13, "IHDR"]);
      expect([be32(png, 16), be32(png, 20)]).toEqual([width, height]);
      // bit depth 8; colour type 0 (grey) or 2 (RGB); compression, filter, interlace 0.
      expect(Array.from(png.subarray(24, 29))).toEqual([8, channels === 1 ? 0 : 2, 0, 0, 0]);
      const idatLen = be32(png, 33);
      expect(ascii(png, 37)).toBe("IDAT");
      const raw = zlib.inflateSync(png.subarray(41, 41 + idatLen));
      const want: number[] = [];
      for (let y = 0; y < height; y++)
        want.push(0, ...pixels.subarray(y * width * channels, (y + 1) * width * channels));
      expect(Array.from(raw)).toEqual(want);
      const iend = 41 + idatLen + 4;
      expect([be32(png, iend), ascii(png, iend + 4), png.length]).toEqual([0, "IEND", iend + 12]);
      // CRC of IEND (type only) is the constant every PNG ends with.
      expect(be32(png, iend + 8)).toBe(0xae426082);
    }
  });

  it("rejects bad sizes and a pixel count that does not match, naming the argument", () => {
    expect(() => encodePng(2, 2, new Uint8Array(3), 1)).toThrow(RangeError);
    expect(() => encodePng(2, 2, new Uint8Array(3), 1)).toThrow(/pixels/);
    expect(() => encodePng(2, 2, new Uint8Array(4), 3)).toThrow(/pixels.*12/);
    expect(() => encodePng(0, 2, new Uint8Array(0), 1)).toThrow(/width/);
    expect(() => encodePng(1.5, 2, new Uint8Array(3), 1)).toThrow(/width/);
    expect(() => encodePng(2, -1, new Uint8Array(2), 1)).toThrow(/height/);
    expect(() => encodePng(2, NaN, new Uint8Array(2), 1)).toThrow(RangeError);
    expect(() => encodePng(1, 1, new Uint8Array(2), 2 as 1)).toThrow(/channels/);
  });
});

describe("crc32", () => {
  const bytes = (s: string) => new TextEncoder().encode(s);

  it("matches the published check values", () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(bytes("123456789"))).toBe(0xcbf43926); // the CRC-32/ISO-HDLC check value
    expect(crc32(bytes("The quick brown fox jumps over the lazy dog"))).toBe(0x414fa339);
    expect(crc32(bytes("IEND"))).toBe(0xae426082);
    expect(crc32(bytes("xx123456789yy"), 2, 11)).toBe(0xcbf43926);
  });

  const samples = Array.from({ length: 20 }, (_, i) => randPixels(50 + i, i * 37));
  const nodeCrc = typeof zlib.crc32 === "function" ? zlib.crc32 : undefined;
  const otherTitle = nodeCrc
    ? "matches node:zlib's crc32 on random data"
    : hasPython
      ? "matches Python's zlib.crc32 on random data"
      : "skipped: neither node:zlib crc32 (Node >= 20.15) nor python3";
  it.skipIf(!nodeCrc && !hasPython)(otherTitle, () => {
    const want = nodeCrc
      ? samples.map((b) => nodeCrc(b) >>> 0)
      : (JSON.parse(
          spawnSync(
            "python3",
            ["-c", "import json,sys,zlib; print(json.dumps([zlib.crc32(bytes(b)) for b in json.load(sys.stdin)]))"],
            { input: JSON.stringify(samples.map((b) => Array.from(b))), encoding: "utf8" },
          ).stdout,
        ) as number[]);
    expect(samples.map((b) => crc32(b))).toEqual(want);
  });
});

describe("greyImage", () => {
  const grey = (v: ArrayLike<number>, w: number, h: number, o?: Parameters<typeof greyImage>[3]) =>
    Array.from(greyImage(v, w, h, o).pixels);

  it("maps the data's own min..max onto 0..255, black = min", () => {
    // (v - 0) / 4 * 255 = 0, 63.75, 127.5, 191.25, 255, rounded.
    expect(grey([0, 1, 2, 3, 4], 5, 1)).toEqual([0, 64, 128, 191, 255]);
    expect(grey([4, 3, 2, 1, 0, 2], 2, 3)).toEqual([255, 191, 128, 64, 0, 128]);
    // min -2, max 8: (v + 2) / 10 * 255
    expect(grey([-2, 0, 3, 8], 4, 1)).toEqual([0, 51, 128, 255]);
  });

  it("random data against the formula round((v - min) / (max - min) * 255)", () => {
    const r = rng(7);
    const v = Array.from({ length: 6 * 4 }, () => r() * 10 - 3);
    const min = Math.min(...v),
      max = Math.max(...v);
    expect(grey(v, 6, 4)).toEqual(v.map((x) => Math.round(((x - min) / (max - min)) * 255)));
  });

  it("a given min/max clamps the values outside it; invert flips black and white", () => {
    expect(grey([-1, 0, 0.5, 1, 2], 5, 1, { min: 0, max: 1 })).toEqual([0, 0, 128, 255, 255]);
    expect(grey([-1, 0, 0.5, 1, 2], 5, 1, { min: 0, max: 1, invert: true })).toEqual([255, 255, 127, 0, 0]);
    expect(grey([0, 5, 10], 3, 1, { max: 20 })).toEqual([0, 64, 128]); // v / 20 * 255 = 0, 63.75, 127.5
  });

  it("constant data is mid-grey 128, inverted or not", () => {
    expect(grey([3, 3, 3, 3], 2, 2)).toEqual([128, 128, 128, 128]);
    expect(grey([3, 3, 3, 3], 2, 2, { invert: true })).toEqual([128, 128, 128, 128]);
    expect(grey([0], 1, 1)).toEqual([128]);
  });

  it("NaN is 0 and does not set the range; infinities clamp", () => {
    expect(grey([NaN, 0, 10], 3, 1)).toEqual([0, 0, 255]);
    expect(grey([NaN, 5, 5], 3, 1)).toEqual([0, 128, 128]);
    expect(grey([NaN, NaN], 2, 1)).toEqual([0, 0]);
    expect(grey([-Infinity, 0, 1, Infinity], 4, 1)).toEqual([0, 0, 255, 255]);
  });

  it("accepts typed arrays and rejects a wrong length or range", () => {
    expect(grey(Float32Array.of(1, 2), 1, 2)).toEqual([0, 255]);
    expect(() => greyImage([1, 2, 3], 2, 2)).toThrow(/values.*4/);
    expect(() => greyImage([1], 0, 1)).toThrow(/width/);
    expect(() => greyImage([1, 2], 2, 1, { min: 2, max: 1 })).toThrow(RangeError);
  });
});

describe("upscale and tileGrid", () => {
  const img = (width: number, height: number, px: number[]): GreyImage => ({
    width,
    height,
    pixels: Uint8Array.from(px),
  });

  it("upscale repeats every pixel factor x factor times", () => {
    const up = upscale(img(2, 2, [1, 2, 3, 4]), 3);
    expect([up.width, up.height]).toEqual([6, 6]);
    const row12 = [1, 1, 1, 2, 2, 2],
      row34 = [3, 3, 3, 4, 4, 4];
    expect(Array.from(up.pixels)).toEqual([...row12, ...row12, ...row12, ...row34, ...row34, ...row34]);
    const tall = upscale(img(1, 3, [7, 8, 9]), 2);
    expect([tall.width, tall.height, ...tall.pixels]).toEqual([2, 6, 7, 7, 7, 7, 8, 8, 8, 8, 9, 9, 9, 9]);
    expect(Array.from(upscale(img(2, 1, [5, 6]), 1).pixels)).toEqual([5, 6]);
    expect(() => upscale(img(1, 1, [0]), 0)).toThrow(/factor/);
  });

  it("tileGrid lays tiles out row-major with gap pixels of background between them", () => {
    const t = [img(2, 1, [1, 2]), img(2, 1, [3, 4]), img(2, 1, [5, 6])];
    const g = tileGrid(t, 2, 1, 9);
    expect([g.width, g.height]).toEqual([5, 3]);
    expect(Array.from(g.pixels)).toEqual([1, 2, 9, 3, 4, 9, 9, 9, 9, 9, 5, 6, 9, 9, 9]);
    const flat = tileGrid(t, 5, 2); // more columns than tiles: one row; background defaults to white
    expect([flat.width, flat.height, ...flat.pixels]).toEqual([10, 1, 1, 2, 255, 255, 3, 4, 255, 255, 5, 6]);
    const tight = tileGrid([img(1, 2, [1, 2]), img(1, 2, [3, 4])], 1, 0);
    expect([tight.width, tight.height, ...tight.pixels]).toEqual([1, 4, 1, 2, 3, 4]);
  });

  it("tileGrid places random tiles at (col * (w + gap), row * (h + gap))", () => {
    const r = rng(11);
    const w = 3,
      h = 2,
      gap = 2,
      columns = 3;
    const tiles = Array.from({ length: 7 }, () =>
      img(
        w,
        h,
        Array.from({ length: w * h }, () => randInt(r, 0, 200)),
      ),
    );
    const g = tileGrid(tiles, columns, gap, 250);
    expect([g.width, g.height]).toEqual([3 * w + 2 * gap, 3 * h + 2 * gap]);
    tiles.forEach((t, i) => {
      const left = (i % columns) * (w + gap),
        top = Math.floor(i / columns) * (h + gap);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) expect(g.pixels[(top + y) * g.width + left + x]).toBe(t.pixels[y * w + x]);
    });
    const tileCells = tiles.length * w * h;
    expect(Array.from(g.pixels).filter((p) => p === 250).length).toBe(g.width * g.height - tileCells);
  });

  it("tileGrid rejects tiles of different sizes and no tiles", () => {
    expect(() => tileGrid([img(2, 1, [0, 0]), img(1, 2, [0, 0])], 2, 1)).toThrow(/tiles\[1\]/);
    expect(() => tileGrid([], 2, 1)).toThrow(RangeError);
    expect(() => tileGrid([img(1, 1, [0])], 0, 1)).toThrow(/columns/);
  });

  it("greyImage -> upscale -> tileGrid -> encodePng makes a valid grey PNG", () => {
    const tiles = [0, 1, 2, 3].map((k) => upscale(greyImage([k, 1, 2, 3], 2, 2), 4));
    const g = tileGrid(tiles, 2, 1);
    const png = encodePng(g.width, g.height, g.pixels, 1);
    expect([g.width, g.height]).toEqual([17, 17]);
    expect(png.length).toBeGreaterThan(8 + 25 + 12 + 12);
  });
});

describe("bitmap font", () => {
  const chars = "0123456789.-:% abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

  it("has a 5x7 bitmap of '#' and '.' for every character the plots need", () => {
    for (const ch of chars) {
      const { rows } = glyph(ch);
      expect(rows.length, ch).toBe(GLYPH_HEIGHT);
      for (const row of rows) expect(row, ch).toMatch(new RegExp(`^[#.]{${GLYPH_WIDTH}}$`));
      if (ch !== " ") expect(rows.join("").includes("#"), ch).toBe(true);
    }
    // No two letters or digits share a bitmap (lower case is its own design, not the capitals).
    const seen = new Map<string, string>();
    for (const ch of chars) {
      const key = glyph(ch).rows.join("/");
      expect(seen.get(key), `${ch} looks like ${seen.get(key)}`).toBeUndefined();
      seen.set(key, ch);
    }
    expect(glyph("\u00e9").rows).toEqual(glyph("?").rows);
  });

  it("rasterize puts glyph row r, column c at (i * ADVANCE + c, r + drop) * scale", () => {
    for (const scale of [1, 3]) {
      const text = "7gA";
      const got = new Set<string>();
      rasterize(text, scale, (x, y) => got.add(`${x},${y}`));
      const want = new Set<string>();
      [...text].forEach((ch, i) => {
        const drop = ch === "g" ? DESCENT : 0;
        glyph(ch).rows.forEach((row, r) =>
          [...row].forEach((cell, c) => {
            if (cell !== "#") return;
            for (let dy = 0; dy < scale; dy++)
              for (let dx = 0; dx < scale; dx++)
                want.add(`${(i * ADVANCE + c) * scale + dx},${(r + drop) * scale + dy}`);
          }),
        );
      });
      expect(got).toEqual(want);
      expect(textWidth(text, scale)).toBe((3 * 6 - 1) * scale);
    }
    expect(textWidth("", 2)).toBe(0);
  });
});

// The book's ch07 figure: train accuracy solid with markers, test accuracy dashed, epochs 0..20, ylim 0..1.
const BLUE: Rgb = [31, 119, 180],
  ORANGE: Rgb = [255, 127, 14];
function ch07(extra: Partial<LinePlotOptions> = {}): LinePlotOptions {
  const epochs = Array.from({ length: 21 }, (_, i) => i);
  return {
    series: [
      { label: "train acc", values: epochs.map((e) => 0.99 - 0.85 * Math.exp(-e / 2.5)), color: BLUE },
      { label: "test acc", values: epochs.map((e) => 0.96 - 0.8 * Math.exp(-e / 2.5)), color: ORANGE, dashed: true },
    ],
    xLabel: "epochs",
    yLabel: "accuracy",
    yMin: 0,
    yMax: 1,
    ...extra,
  };
}

describe("linePlot", () => {
  type Img = ReturnType<typeof linePlot>;
  const at = (p: Img, x: number, y: number): Rgb => {
    const i = (y * p.width + x) * 3;
    return [p.pixels[i], p.pixels[i + 1], p.pixels[i + 2]];
  };
  const isDark = ([r, g, b]: Rgb) => r < 60 && g < 60 && b < 60;
  const count = (
    p: Img,
    pred: (c: Rgb, x: number, y: number) => boolean,
    x0 = 0,
    y0 = 0,
    x1 = p.width,
    y1 = p.height,
  ) => {
    let n = 0;
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (pred(at(p, x, y), x, y)) n++;
    return n;
  };
  const same = (a: Rgb) => (c: Rgb) => c[0] === a[0] && c[1] === a[1] && c[2] === a[2];
  /** The axes box: the rows and columns that are dark for more than half the picture. */
  const box = (p: Img) => {
    const rows: number[] = [],
      cols: number[] = [];
    for (let y = 0; y < p.height; y++) if (count(p, isDark, 0, y, p.width, y + 1) > p.width / 2) rows.push(y);
    for (let x = 0; x < p.width; x++) if (count(p, isDark, x, 0, x + 1, p.height) > p.height / 2) cols.push(x);
    return { rows, cols, L: cols[0], R: cols[cols.length - 1], T: rows[0], B: rows[rows.length - 1] };
  };
  /** Start of each run of consecutive numbers. */
  const runs = (xs: number[]) => xs.filter((v, i) => i === 0 || xs[i - 1] !== v - 1);
  const evenlySpaced = (xs: number[]) => {
    const d = xs.slice(1).map((v, i) => v - xs[i]);
    return Math.max(...d) - Math.min(...d) <= 1;
  };

  const plot = linePlot(ch07());

  it("is the requested size, white in the corners, with a one-pixel axes box", () => {
    expect([plot.width, plot.height, plot.pixels.length]).toEqual([640, 480, 640 * 480 * 3]);
    const small = linePlot(ch07({ width: 320, height: 200 }));
    expect([small.width, small.height, small.pixels.length]).toEqual([320, 200, 320 * 200 * 3]);
    for (const p of [plot, small]) {
      expect(at(p, 0, 0)).toEqual([255, 255, 255]);
      expect(at(p, p.width - 1, p.height - 1)).toEqual([255, 255, 255]);
      const { rows, cols, L, R, T, B } = box(p);
      expect([rows.length, cols.length]).toEqual([2, 2]);
      expect(L).toBeGreaterThan(20);
      expect(R).toBeLessThan(p.width - 5);
      expect(T).toBeGreaterThan(3);
      expect(B).toBeLessThan(p.height - 20);
    }
  });

  it("draws each series in its own colour inside the box, the dashed one with gaps", () => {
    const { L, R, T, B } = box(plot);
    for (const c of [BLUE, ORANGE]) {
      const inside = count(plot, same(c), L + 1, T + 1, R, B);
      expect(inside).toBeGreaterThan(300);
      expect(count(plot, same(c)) - inside).toBe(0); // clipped to the box (the legend is inside it too)
    }
    const solidOrange = linePlot(ch07({ series: [{ ...ch07().series[1], dashed: false, marker: "none" }] }));
    const dashedOrange = linePlot(ch07({ series: [{ ...ch07().series[1], dashed: true, marker: "none" }] }));
    const ratio = count(dashedOrange, same(ORANGE)) / count(solidOrange, same(ORANGE));
    expect(ratio).toBeGreaterThan(0.4);
    expect(ratio).toBeLessThan(0.85);
  });

  it("y ticks 0.0..1.0 step 0.2 run from the bottom of the box to the top; x ticks are evenly spaced", () => {
    const { L, T, B } = box(plot);
    const yTicks: number[] = [];
    for (let y = 0; y < plot.height; y++) if (isDark(at(plot, L - 2, y))) yTicks.push(y);
    expect(yTicks).toHaveLength(6);
    expect(yTicks[0]).toBe(T);
    expect(yTicks[5]).toBe(B);
    expect(evenlySpaced(yTicks)).toBe(true);
    const xTicks: number[] = [];
    for (let x = L + 1; x < plot.width; x++) if (isDark(at(plot, x, B + 2))) xTicks.push(x);
    expect(xTicks.length).toBeGreaterThanOrEqual(3);
    expect(xTicks.length).toBeLessThanOrEqual(11);
    expect(evenlySpaced(xTicks)).toBe(true);
    // Tick labels: dark pixels left of the y ticks and below the x ticks.
    expect(count(plot, isDark, 0, T - 5, L - 8, B + 5)).toBeGreaterThan(50);
    expect(count(plot, isDark, L, B + 8, plot.width, plot.height)).toBeGreaterThan(50);
  });

  it("puts a legend with dark text in the lower right of the box, and none without series", () => {
    const { L, R, T, B } = box(plot);
    const midX = Math.floor((L + R) / 2),
      midY = Math.floor((T + B) / 2);
    expect(count(plot, isDark, midX, midY, R, B)).toBeGreaterThan(40);
    expect(count(plot, isDark, L + 1, T + 1, midX, midY)).toBe(0);
    // Each legend entry shows its series' colour next to the text.
    for (const c of [BLUE, ORANGE]) expect(count(plot, same(c), R - 200, B - 80, R, B)).toBeGreaterThan(10);
    const empty = linePlot(ch07({ series: [] }));
    const e = box(empty);
    expect(count(empty, isDark, e.L + 1, e.T + 1, e.R, e.B)).toBe(0);
  });

  it("draws the title with the font's bitmaps: its first glyph matches 'A' pixel for pixel", () => {
    const p = linePlot(ch07({ title: "Accuracy" }));
    const { L, T } = box(p);
    let x0 = Infinity,
      y0 = Infinity,
      x1 = -1,
      y1 = -1;
    // Above the box and right of its left edge: the y tick labels stay left of it.
    for (let y = 0; y < T; y++) {
      for (let x = L; x < p.width; x++) {
        if (!isDark(at(p, x, y))) continue;
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
    }
    // "Accuracy" spans the capitals' height plus the descent of its 'y'.
    const scale = (y1 - y0 + 1) / (GLYPH_HEIGHT + DESCENT);
    expect(Number.isInteger(scale)).toBe(true);
    expect(x1 - x0 + 1).toBe(textWidth("Accuracy", scale));
    glyph("A").rows.forEach((row, r) =>
      [...row].forEach((cell, c) => {
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            expect(at(p, x0 + c * scale + dx, y0 + r * scale + dy), `A row ${r} col ${c}`).toEqual(
              cell === "#" ? [0, 0, 0] : [255, 255, 255],
            );
          }
        }
      }),
    );
  });

  it("derives y limits from the data when not given, and breaks lines at NaN", () => {
    const p = linePlot({
      series: [{ label: "loss", values: [2.3, 1.1, NaN, 0.5, 0.31], color: [200, 0, 0], marker: "none" }],
      xLabel: "iteration",
      yLabel: "loss",
      width: 400,
      height: 300,
    });
    expect(count(p, same([200, 0, 0]))).toBeGreaterThan(50);
    const { L, T, B } = box(p);
    const yTicks: number[] = [];
    for (let y = 0; y < p.height; y++) if (isDark(at(p, L - 2, y))) yTicks.push(y);
    expect(yTicks.length).toBeGreaterThanOrEqual(3);
    expect(yTicks[0]).toBeGreaterThanOrEqual(T);
    expect(yTicks[yTicks.length - 1]).toBeLessThanOrEqual(B);
    expect(runs(yTicks)).toEqual(yTicks); // one row each
  });

  it("rejects mismatched x, bad limits and a picture too small to hold the axes", () => {
    const s = ch07().series[0];
    expect(() => linePlot(ch07({ series: [{ ...s, x: [0, 1] }] }))).toThrow(/x has length 2/);
    expect(() => linePlot(ch07({ yMin: 1, yMax: 1 }))).toThrow(/yMin/);
    expect(() => linePlot(ch07({ width: 0 }))).toThrow(/width/);
    expect(() => linePlot(ch07({ width: 40, height: 30 }))).toThrow(RangeError);
    expect(() => linePlot(ch07({ series: [{ ...s, color: [0, 0, 256] }] }))).toThrow(/color/);
  });
});
