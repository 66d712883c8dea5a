// A drawing made the way MNIST's digits were: the strokes' bounding box scaled to fit 20×20
// (keeping its aspect), then moved so that the centre of mass of the ink sits at the centre of
// the 28×28 image. A digit drawn small or off to one side then looks like what the network was
// trained on.
import { SIDE, strokeCoverage } from "./draw_pad.js";

const BOX = 20;

export function centredDigit(strokes: HTMLCanvasElement): Float32Array {
  const { width, height } = strokes;
  const alpha = strokes.getContext("2d", { willReadFrequently: true })!.getImageData(0, 0, width, height).data;
  let x0 = width,
    y0 = height,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (alpha[(y * width + x) * 4 + 3] > 24) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return new Float32Array(SIDE * SIDE);
  const bw = x1 - x0 + 1,
    bh = y1 - y0 + 1;
  const scale = BOX / Math.max(bw, bh);
  const dw = bw * scale,
    dh = bh * scale;
  const boxed = strokeCoverage(strokes, x0, y0, bw, bh, (SIDE - dw) / 2, (SIDE - dh) / 2, dw, dh);
  return shiftToCentreOfMass(boxed);
}

/** The image moved by whole pixels so that its centre of mass is as near the middle as can be. */
export function shiftToCentreOfMass(img: Float32Array): Float32Array {
  let mass = 0,
    mx = 0,
    my = 0;
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const v = img[y * SIDE + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  if (mass === 0) return img;
  const dx = Math.round(SIDE / 2 - mx / mass),
    dy = Math.round(SIDE / 2 - my / mass);
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < SIDE; y++) {
    const sy = y - dy;
    if (sy < 0 || sy >= SIDE) continue;
    for (let x = 0; x < SIDE; x++) {
      const sx = x - dx;
      if (sx >= 0 && sx < SIDE) out[y * SIDE + x] = img[sy * SIDE + sx];
    }
  }
  return out;
}
