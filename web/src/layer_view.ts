// The network's view of one image: the input, the 30 learned filters, their convolution maps,
// the pooled maps, the class probabilities and the prediction.
import type { Tensor } from "zeroconv";
import { diverging, grey, inferno } from "./colour_maps.js";
import { byId } from "./dom.js";
import type { Forward } from "./forward.js";
import { fromZero, paintPlanes, planesOf, symmetric, type GridLayout } from "./pictures.js";
import { paintProbabilities } from "./probability_chart.js";

// All three grids have a tile every 78 pixels, so that filter f, its map and its pooled map line up.
export const FILTER_LAYOUT: GridLayout = { columns: 10, scaleX: 14, gap: 8, margin: 3 };
const MAP_LAYOUT: GridLayout = { columns: 10, scaleX: 3, gap: 6, margin: 3 };
const POOLED_LAYOUT: GridLayout = { columns: 10, scaleX: 6, gap: 6, margin: 3 };

/** The filters W1 [30, 1, 5, 5] on one colour scale, so that their strengths compare; `selected` outlined. */
export function showFilters(W1: Tensor, selected: number): void {
  const [FN, , FH, FW] = W1.shape;
  const range = symmetric(W1.data);
  const canvas = byId("filters", HTMLCanvasElement);
  paintPlanes(
    canvas,
    planesOf(W1.data, FN, FH, FW, () => range),
    diverging,
    FILTER_LAYOUT,
  );
  outline(canvas, selected, FW, FH, FILTER_LAYOUT);
}

export function showForward(f: Forward, selected: number, label: string): void {
  paintPlanes(
    byId("input", HTMLCanvasElement),
    planesOf(f.x.data, 1, 28, 28, () => [0, 1]),
    grey,
    { columns: 1, scaleX: 6 },
  );
  const [, FN, CH, CW] = f.conv.shape;
  const maps = byId("conv-maps", HTMLCanvasElement);
  paintPlanes(maps, planesOf(f.conv.data, FN, CH, CW, symmetric), diverging, MAP_LAYOUT);
  outline(maps, selected, CW, CH, MAP_LAYOUT);
  const [, , PH, PW] = f.pooled.shape;
  const pooled = byId("pooled-maps", HTMLCanvasElement);
  paintPlanes(pooled, planesOf(f.pooled.data, FN, PH, PW, fromZero), inferno, POOLED_LAYOUT);
  outline(pooled, selected, PW, PH, POOLED_LAYOUT);
  paintProbabilities(byId("probabilities", HTMLCanvasElement), f.probabilities, f.predicted);
  const prediction = byId("prediction");
  prediction.textContent = String(f.predicted);
  // How many inputs have been shown: lets a test (or a curious reader) see that a change was recomputed.
  prediction.dataset.updates = String(Number(prediction.dataset.updates ?? 0) + 1);
  byId("confidence").textContent = `${(f.probabilities[f.predicted] * 100).toFixed(1)}%`;
  byId("input-label").textContent = label;
}

/** Clicking filter f, its map or its pooled map calls choose(f). */
export function onFilterClick(count: number, choose: (f: number) => void): void {
  const grids: [string, number, GridLayout][] = [
    ["filters", 5, FILTER_LAYOUT],
    ["conv-maps", 24, MAP_LAYOUT],
    ["pooled-maps", 12, POOLED_LAYOUT],
  ];
  for (const [id, side, layout] of grids) {
    const canvas = byId(id, HTMLCanvasElement);
    canvas.addEventListener("click", (e) => {
      const f = tileAt(canvas, e, count, side, side, layout);
      if (f >= 0) choose(f);
    });
  }
}

/** The tile index under a click on a canvas painted with `layout` (a click in a gap counts for the nearer tile), or -1. */
export function tileAt(
  canvas: HTMLCanvasElement,
  e: MouseEvent,
  count: number,
  w: number,
  h: number,
  layout: GridLayout,
): number {
  const box = canvas.getBoundingClientRect();
  const x = ((e.clientX - box.left) / box.width) * canvas.width,
    y = ((e.clientY - box.top) / box.height) * canvas.height;
  const gap = layout.gap ?? 0,
    margin = layout.margin ?? 0;
  const tileW = w * layout.scaleX + gap,
    tileH = h * (layout.scaleY ?? layout.scaleX) + gap;
  const col = Math.floor((x - margin + gap / 2) / tileW),
    row = Math.floor((y - margin + gap / 2) / tileH);
  const i = row * layout.columns + col;
  return col >= 0 && col < layout.columns && row >= 0 && i < count ? i : -1;
}

/** A frame in the gap around tile i. */
function outline(canvas: HTMLCanvasElement, i: number, w: number, h: number, layout: GridLayout): void {
  const gap = layout.gap ?? 0,
    margin = layout.margin ?? 0,
    sx = layout.scaleX,
    sy = layout.scaleY ?? sx;
  const left = margin + (i % layout.columns) * (w * sx + gap),
    top = margin + Math.floor(i / layout.columns) * (h * sy + gap);
  const c = canvas.getContext("2d")!;
  c.strokeStyle = "#f0a020";
  c.lineWidth = 2;
  c.strokeRect(left - 2, top - 2, w * sx + 4, h * sy + 4);
}
