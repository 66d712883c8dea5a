import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { encodePng } from "../pictures/png.js";
import type { GreyImage } from "../pictures/picture.js";
import type { RgbImage } from "../pictures/plot.js";

/** The weights this project trained itself, shipped beside dist/ (see weights/). */
export const defaultWeights = fileURLToPath(new URL("../../weights/simple_convnet.safetensors", import.meta.url));

export function writePng(path: string, img: GreyImage | RgbImage, channels: 1 | 3): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, encodePng(img.width, img.height, img.pixels, channels));
}

export function writeText(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
