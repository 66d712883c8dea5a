// Planes of numbers (images, filters, feature maps) painted onto canvases: each value one
// enlarged block of colour, planes tiled in a grid with gaps left transparent.
import type { ColourMap } from "./colour_maps.js";

export interface Plane {
  /** Row-major values, width*height of them. */
  values: ArrayLike<number>;
  width: number;
  height: number;
  /** The values drawn at the colour map's ends (the middle of a diverging map is their midpoint). */
  range: readonly [number, number];
}

export interface GridLayout {
  columns: number;
  /** Canvas pixels per value across and down. */
  scaleX: number;
  scaleY?: number;
  /** Canvas pixels between tiles. */
  gap?: number;
  /** Canvas pixels around the grid (room for an outline). */
  margin?: number;
}

/** Sizes the canvas to fit the planes (all of one size) and paints them, row by row of tiles. */
export function paintPlanes(
  canvas: HTMLCanvasElement,
  planes: readonly Plane[],
  map: ColourMap,
  layout: GridLayout,
): void {
  const { width: pw, height: ph } = planes[0];
  const sx = layout.scaleX,
    sy = layout.scaleY ?? layout.scaleX,
    gap = layout.gap ?? 0,
    margin = layout.margin ?? 0;
  const cols = Math.min(layout.columns, planes.length),
    rows = Math.ceil(planes.length / cols);
  const tileW = pw * sx,
    tileH = ph * sy;
  const width = cols * tileW + (cols - 1) * gap + 2 * margin,
    height = rows * tileH + (rows - 1) * gap + 2 * margin;
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const image = new ImageData(width, height); // transparent: the gaps show the page behind
  const px = image.data;
  planes.forEach((plane, i) => {
    const left = margin + (i % cols) * (tileW + gap),
      top = margin + Math.floor(i / cols) * (tileH + gap);
    const [lo, hi] = plane.range;
    const span = hi - lo || 1;
    for (let y = 0; y < ph; y++) {
      for (let x = 0; x < pw; x++) {
        const [r, g, b] = map((plane.values[y * pw + x] - lo) / span);
        for (let dy = 0; dy < sy; dy++) {
          let o = ((top + y * sy + dy) * width + left + x * sx) * 4;
          for (let dx = 0; dx < sx; dx++, o += 4) {
            px[o] = r;
            px[o + 1] = g;
            px[o + 2] = b;
            px[o + 3] = 255;
          }
        }
      }
    }
  });
  canvas.getContext("2d")!.putImageData(image, 0, 0);
}

/** The planes of an NCHW tensor's first image: `count` planes of h×w from `data`. */
export function planesOf(
  data: Float32Array,
  count: number,
  h: number,
  w: number,
  range: (values: Float32Array) => readonly [number, number],
): Plane[] {
  return Array.from({ length: count }, (_, i) => {
    const values = data.subarray(i * h * w, (i + 1) * h * w);
    return { values, width: w, height: h, range: range(values) };
  });
}

/** ±(largest magnitude): zero lands on a diverging map's white middle. */
export function symmetric(values: ArrayLike<number>): readonly [number, number] {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return [-m, m];
}

/** 0 to the largest value: for activations after ReLU. */
export function fromZero(values: ArrayLike<number>): readonly [number, number] {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, values[i]);
  return [0, m];
}
