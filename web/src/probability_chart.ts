// The class probabilities as a bar chart: one bar per digit, the predicted one highlighted.
import { sharpContext } from "./sharp_canvas.js";

const WIDTH = 360,
  HEIGHT = 190;
const AXIS = 22; // room below the bars for the digits
const TOP = 18; // room above for the percentages

/** softmax(scores), computed in float64 with the usual max shift. */
export function softmax(scores: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) max = Math.max(max, scores[i]);
  const e = Array.from(scores, (s) => Math.exp(s - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

export function paintProbabilities(
  canvas: HTMLCanvasElement,
  probabilities: readonly number[],
  predicted: number,
): void {
  const ctx = sharpContext(canvas, WIDTH, HEIGHT);
  ctx.clearRect(0, 0, WIDTH, HEIGHT);
  const slot = WIDTH / probabilities.length,
    barW = slot * 0.64,
    plotH = HEIGHT - AXIS - TOP;
  ctx.strokeStyle = "#c9ced6";
  ctx.beginPath();
  ctx.moveTo(0, TOP + plotH + 0.5);
  ctx.lineTo(WIDTH, TOP + plotH + 0.5);
  ctx.stroke();
  ctx.textAlign = "center";
  probabilities.forEach((p, digit) => {
    const x = digit * slot + (slot - barW) / 2,
      h = Math.max(1, p * plotH);
    const hot = digit === predicted;
    ctx.fillStyle = hot ? "#d6604d" : "#8fa3bf";
    ctx.fillRect(x, TOP + plotH - h, barW, h);
    ctx.fillStyle = hot ? "#1d2430" : "#5b6575";
    ctx.font = `${hot ? "bold " : ""}14px system-ui, sans-serif`;
    ctx.fillText(String(digit), digit * slot + slot / 2, HEIGHT - 6);
    if (p >= 0.005) {
      ctx.font = "11px system-ui, sans-serif";
      ctx.fillText(p >= 0.995 ? "100%" : `${Math.round(p * 100)}%`, digit * slot + slot / 2, TOP + plotH - h - 4);
    }
  });
}
