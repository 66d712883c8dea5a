// Line plots as RGB pixels, for the training CLI's accuracy curves (the book's ch07 figure: train and
// test accuracy against epochs). Pure TypeScript; the caller encodes the result with encodePng.
// Lines are Bresenham with a square pen, no anti-aliasing: every drawn pixel has exactly its series'
// colour, which keeps the picture crisp and checkable.
import { GLYPH_HEIGHT, lineHeight, rasterize, textWidth } from "./bitmap_font.js";

export type Rgb = [number, number, number];

export interface PlotSeries {
  label: string;
  values: number[];
  /** x of each value; default 0, 1, 2, … (epochs). */
  x?: number[];
  color: Rgb;
  dashed?: boolean;
  /** Default: "circle" on solid lines, "none" on dashed ones (the ch07 figure's look). */
  marker?: "circle" | "square" | "none";
}

export interface LinePlotOptions {
  series: PlotSeries[];
  xLabel: string;
  yLabel: string;
  /** Fixed y limits (the book's plt.ylim(0, 1.0)); either left out is taken from the data, rounded out to a tick. */
  yMin?: number;
  yMax?: number;
  /** Pixels; default 640 x 480. Text, pens and markers scale with the smaller side. */
  width?: number;
  height?: number;
  title?: string;
}

export interface RgbImage {
  width: number;
  height: number;
  /** Row-major, 3 bytes (R, G, B) per pixel. */
  pixels: Uint8Array;
}

const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];
const LEGEND_EDGE: Rgb = [204, 204, 204];

interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
} // inclusive

class Canvas {
  readonly pixels: Uint8Array;
  /** Drawing outside it is dropped: curves stay inside the axes box. */
  clip: Rect;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Uint8Array(width * height * 3).fill(255);
    this.clip = { x0: 0, y0: 0, x1: width - 1, y1: height - 1 };
  }

  set(x: number, y: number, [r, g, b]: Rgb): void {
    const c = this.clip;
    if (x < c.x0 || x > c.x1 || y < c.y0 || y > c.y1 || x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 3;
    this.pixels[i] = r;
    this.pixels[i + 1] = g;
    this.pixels[i + 2] = b;
  }

  fill(x0: number, y0: number, x1: number, y1: number, color: Rgb): void {
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) this.set(x, y, color);
  }

  /** `text` with its top-left at (x, y); `vertical` turns it a quarter counter-clockwise (reads upwards, top-left at (x, y)). */
  text(text: string, x: number, y: number, scale: number, color: Rgb, vertical = false): void {
    const w = textWidth(text, scale);
    rasterize(text, scale, (gx, gy) =>
      vertical ? this.set(x + gy, y + w - 1 - gx, color) : this.set(x + gx, y + gy, color),
    );
  }

  /** A pen of `pen` x `pen` pixels along the segment; `dash` carries the dash phase from segment to segment. */
  line(
    xa: number,
    ya: number,
    xb: number,
    yb: number,
    pen: number,
    color: Rgb,
    dash?: { on: number; off: number; at: number },
  ): void {
    const lo = -Math.floor((pen - 1) / 2);
    const dx = Math.abs(xb - xa),
      dy = -Math.abs(yb - ya);
    const sx = xa < xb ? 1 : -1,
      sy = ya < yb ? 1 : -1;
    let err = dx + dy,
      x = xa,
      y = ya;
    for (;;) {
      if (!dash || dash.at % (dash.on + dash.off) < dash.on)
        this.fill(x + lo, y + lo, x + lo + pen - 1, y + lo + pen - 1, color);
      if (x === xb && y === yb) return;
      const e2 = 2 * err;
      let step = 0;
      if (e2 >= dy) {
        err += dy;
        x += sx;
        step++;
      }
      if (e2 <= dx) {
        err += dx;
        y += sy;
        step++;
      }
      if (dash) dash.at += step === 2 ? Math.SQRT2 : 1; // dashes keep their length on diagonals
    }
  }

  marker(kind: "circle" | "square", cx: number, cy: number, r: number, color: Rgb): void {
    for (let dy = -r; dy <= r; dy++) {
      for (let dx = -r; dx <= r; dx++) {
        // r*r + r rounds the circle's edge instead of leaving single-pixel nubs at the poles.
        const inside = kind === "circle" ? dx * dx + dy * dy <= r * r + r : Math.max(Math.abs(dx), Math.abs(dy)) < r;
        if (inside) this.set(cx + dx, cy + dy, color);
      }
    }
  }
}

/** The smallest of 1, 2, 5 x 10^k that cuts `range` into at most `maxIntervals` intervals. */
function niceStep(range: number, maxIntervals: number): number {
  const rough = range / maxIntervals;
  const mag = 10 ** Math.floor(Math.log10(rough));
  for (const m of [1, 2, 5]) if (m * mag >= rough * (1 - 1e-9)) return m * mag;
  return 10 * mag;
}

/** Multiples of `step` within [lo, hi], with the digits `step` needs ("0.0", "0.2", … for 0.2). */
function ticks(lo: number, hi: number, step: number): { value: number; label: string }[] {
  let digits = 0;
  while (digits < 10 && Math.abs(Math.round(step * 10 ** digits) - step * 10 ** digits) > 1e-6) digits++;
  const out: { value: number; label: string }[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
    const value = k * step;
    out.push({ value, label: (k === 0 ? 0 : value).toFixed(digits) }); // k === 0: no "-0.0"
  }
  return out;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

function validate(o: LinePlotOptions, width: number, height: number): void {
  for (const [name, v] of [
    ["width", width],
    ["height", height],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  }
  if (o.yMin !== undefined && !Number.isFinite(o.yMin)) throw new RangeError(`yMin must be finite, got ${o.yMin}`);
  if (o.yMax !== undefined && !Number.isFinite(o.yMax)) throw new RangeError(`yMax must be finite, got ${o.yMax}`);
  if (o.yMin !== undefined && o.yMax !== undefined && !(o.yMin < o.yMax))
    throw new RangeError(`yMin (${o.yMin}) must be below yMax (${o.yMax})`);
  o.series.forEach((s, i) => {
    if (s.x !== undefined && s.x.length !== s.values.length) {
      throw new RangeError(`series[${i}].x has length ${s.x.length}, values has ${s.values.length}`);
    }
    if (s.color.length !== 3 || s.color.some((c) => !Number.isInteger(c) || c < 0 || c > 255)) {
      throw new RangeError(`series[${i}].color must be three integers in 0..255, got [${s.color.join(", ")}]`);
    }
  });
}

/** Axis limits from the data where the options leave them open; never an empty range. */
function yLimits(o: LinePlotOptions, maxIntervals: number): { lo: number; hi: number; step: number } {
  const ys = o.series.flatMap((s) => s.values).filter(Number.isFinite);
  let lo = o.yMin ?? (ys.length ? Math.min(...ys) : 0);
  let hi = o.yMax ?? (ys.length ? Math.max(...ys) : 1);
  if (hi <= lo) {
    // Flat data, or data entirely on the wrong side of the one limit given.
    if (o.yMax === undefined) hi = lo + 1;
    else lo = hi - 1;
  }
  const step = niceStep(hi - lo, maxIntervals);
  if (o.yMin === undefined) lo = Math.floor(lo / step + 1e-9) * step;
  if (o.yMax === undefined) hi = Math.ceil(hi / step - 1e-9) * step;
  return { lo, hi, step };
}

/** Draws the series against x (epochs by default) in an axes box with ticks, labels and a legend in the lower right. */
export function linePlot(opts: LinePlotOptions): RgbImage {
  const width = opts.width ?? 640,
    height = opts.height ?? 480;
  validate(opts, width, height);
  const canvas = new Canvas(width, height);

  const s = Math.max(1, Math.floor(Math.min(width, height) / 240)); // font scale: 2 at 640 x 480
  const lh = lineHeight(s),
    capMid = Math.floor((GLYPH_HEIGHT * s) / 2);
  const pad = 4 * s,
    tickLen = 2 * s + 2,
    pen = s + 1,
    markerR = s + 2;
  // Curves stay this far from the box's sides, as matplotlib's axes margins keep them off the frame.
  const inset = 2 * pad;

  // The top y tick label pokes half a line above the box; the title keeps clear of it.
  const top = opts.title ? 3 * pad + lh : 4 * pad;
  const bottom = height - 1 - (tickLen + pad + lh + pad + lh + pad);
  if (bottom - top < 40) throw new RangeError(`height ${height} leaves no room for the plot`);
  const yBottomInset = opts.yMin === undefined ? inset : 0,
    yTopInset = opts.yMax === undefined ? inset : 0;
  const y = yLimits(opts, clamp(Math.floor((bottom - top) / 40), 2, 6));
  const yTicks = ticks(y.lo, y.hi, y.step);
  const left = pad + lh + pad + Math.max(...yTicks.map((t) => textWidth(t.label, s))) + pad + tickLen;

  const xsOf = (sr: PlotSeries): number[] => sr.x ?? sr.values.map((_, i) => i);
  const allX = opts.series.flatMap(xsOf).filter(Number.isFinite);
  let xLo = allX.length ? Math.min(...allX) : 0,
    xHi = allX.length ? Math.max(...allX) : 1;
  if (xHi <= xLo) {
    xLo -= 0.5;
    xHi += 0.5;
  }
  const right = width - 1 - Math.max(6 * pad, Math.ceil(textWidth(String(Math.round(xHi)), s) / 2) + pad);
  if (right - left < 40) throw new RangeError(`width ${width} leaves no room for the plot`);
  let xStep = niceStep(xHi - xLo, clamp(Math.floor((right - left) / (30 * s)), 2, 10));
  if (allX.every(Number.isInteger)) xStep = Math.max(1, xStep); // epochs: no 2.5
  const xTicks = ticks(xLo, xHi, xStep);

  const px = (v: number): number => Math.round(left + inset + ((v - xLo) / (xHi - xLo)) * (right - left - 2 * inset));
  const py = (v: number): number =>
    Math.round(bottom - yBottomInset - ((v - y.lo) / (y.hi - y.lo)) * (bottom - top - yBottomInset - yTopInset));
  const dashFor = (sr: PlotSeries) => (sr.dashed ? { on: 5 * s, off: 3 * s, at: 0 } : undefined);
  const markerOf = (sr: PlotSeries) => sr.marker ?? (sr.dashed ? "none" : "circle");

  canvas.clip = { x0: left, y0: top, x1: right, y1: bottom };
  for (const sr of opts.series) {
    const xs = xsOf(sr),
      dash = dashFor(sr);
    let prev: [number, number] | undefined;
    sr.values.forEach((v, i) => {
      // A NaN or infinite point breaks the line, as in matplotlib.
      if (!Number.isFinite(v) || !Number.isFinite(xs[i])) {
        prev = undefined;
        return;
      }
      const p: [number, number] = [px(xs[i]), py(v)];
      if (prev) canvas.line(prev[0], prev[1], p[0], p[1], pen, sr.color, dash);
      prev = p;
    });
    const m = markerOf(sr);
    if (m !== "none")
      sr.values.forEach((v, i) => {
        if (Number.isFinite(v) && Number.isFinite(xs[i])) canvas.marker(m, px(xs[i]), py(v), markerR, sr.color);
      });
  }
  canvas.clip = { x0: 0, y0: 0, x1: width - 1, y1: height - 1 };

  canvas.fill(left, top, right, top, BLACK);
  canvas.fill(left, bottom, right, bottom, BLACK);
  canvas.fill(left, top, left, bottom, BLACK);
  canvas.fill(right, top, right, bottom, BLACK);
  for (const t of yTicks) {
    const ty = py(t.value);
    canvas.fill(left - tickLen, ty, left - 1, ty, BLACK);
    canvas.text(t.label, left - tickLen - pad - textWidth(t.label, s), ty - capMid, s, BLACK);
  }
  for (const t of xTicks) {
    const tx = px(t.value);
    canvas.fill(tx, bottom + 1, tx, bottom + tickLen, BLACK);
    canvas.text(t.label, tx - Math.floor(textWidth(t.label, s) / 2), bottom + tickLen + pad, s, BLACK);
  }
  const midX = Math.floor((left + right) / 2);
  canvas.text(
    opts.xLabel,
    midX - Math.floor(textWidth(opts.xLabel, s) / 2),
    bottom + tickLen + pad + lh + pad,
    s,
    BLACK,
  );
  canvas.text(
    opts.yLabel,
    pad,
    Math.floor((top + bottom) / 2) - Math.floor(textWidth(opts.yLabel, s) / 2),
    s,
    BLACK,
    true,
  );
  if (opts.title) canvas.text(opts.title, midX - Math.floor(textWidth(opts.title, s) / 2), pad, s, BLACK);

  if (opts.series.length > 0) {
    // Lower right, as plt.legend(loc='lower right') in the book: the curves rise away from it.
    const sampleW = 14 * s,
      rowH = lh + pad;
    const boxW = pad + sampleW + pad + Math.max(...opts.series.map((sr) => textWidth(sr.label, s))) + pad;
    const boxH = pad + opts.series.length * rowH;
    const bx1 = right - pad,
      by1 = bottom - pad,
      bx0 = bx1 - boxW,
      by0 = by1 - boxH;
    canvas.fill(bx0, by0, bx1, by1, LEGEND_EDGE);
    canvas.fill(bx0 + 1, by0 + 1, bx1 - 1, by1 - 1, WHITE);
    opts.series.forEach((sr, i) => {
      const rowTop = by0 + pad + i * rowH,
        midY = rowTop + capMid,
        sx = bx0 + pad;
      canvas.line(sx, midY, sx + sampleW, midY, pen, sr.color, dashFor(sr));
      const m = markerOf(sr);
      if (m !== "none") canvas.marker(m, sx + Math.floor(sampleW / 2), midY, markerR, sr.color);
      canvas.text(sr.label, sx + sampleW + pad, rowTop, s, BLACK);
    });
  }
  return { width, height, pixels: canvas.pixels };
}
