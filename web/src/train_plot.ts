// The training panel's plot: the loss of every step (dots) and its running average (a line,
// coloured by the backend that ran the step) on the left axis, and test accuracy on the right.
import { sharpContext } from "./sharp_canvas.js";
import type { TrainBackend } from "./train_messages.js";

export interface StepPoint {
  step: number;
  loss: number;
  backend: TrainBackend;
}

export interface AccuracyPoint {
  step: number;
  accuracy: number;
}

export const BACKEND_COLOURS: Record<TrainBackend, string> = { zeroconv: "#d6604d", cpu: "#4a78b5" };
const ACCURACY_COLOUR = "#2f8f4e";

const WIDTH = 640,
  HEIGHT = 260;
const LEFT = 40,
  RIGHT = 44,
  TOP = 12,
  BOTTOM = 28;
/** The x axis spans at least this many steps, so the first ones do not fill the plot. */
const MIN_STEPS = 150;
/** The running average's weight on its past. */
export const SMOOTHING = 0.9;

export function paintTraining(
  canvas: HTMLCanvasElement,
  steps: readonly StepPoint[],
  accuracy: readonly AccuracyPoint[],
): void {
  const ctx = sharpContext(canvas, WIDTH, HEIGHT);
  ctx.clearRect(0, 0, WIDTH, HEIGHT);
  const plotW = WIDTH - LEFT - RIGHT,
    plotH = HEIGHT - TOP - BOTTOM;
  const last = Math.max(MIN_STEPS, steps.at(-1)?.step ?? 0, accuracy.at(-1)?.step ?? 0);
  const lossTop = Math.max(2.5, Math.ceil(Math.max(...steps.map((s) => s.loss)) * 2) / 2);
  const x = (step: number): number => LEFT + (step / last) * plotW;
  const yLoss = (loss: number): number => TOP + plotH * (1 - Math.min(loss, lossTop) / lossTop);
  const yAccuracy = (a: number): number => TOP + plotH * (1 - a);

  ctx.font = "11px system-ui, sans-serif";
  ctx.lineWidth = 1;
  ctx.strokeStyle = "#e3e7ed";
  ctx.fillStyle = "#5b6575";
  ctx.textAlign = "right";
  for (let v = 0; v <= lossTop + 1e-9; v += 0.5) {
    const y = Math.round(yLoss(v)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(LEFT, y);
    ctx.lineTo(LEFT + plotW, y);
    ctx.stroke();
    ctx.fillText(v.toFixed(1), LEFT - 6, y + 4);
  }
  ctx.textAlign = "left";
  ctx.fillStyle = ACCURACY_COLOUR;
  for (let a = 0; a <= 1; a += 0.25) ctx.fillText(`${Math.round(a * 100)}%`, LEFT + plotW + 6, yAccuracy(a) + 4);
  ctx.fillStyle = "#5b6575";
  ctx.textAlign = "center";
  const tick = niceStep(last / 6);
  for (let s = 0; s <= last; s += tick) ctx.fillText(String(s), x(s), TOP + plotH + 16);
  ctx.fillText("steps", LEFT + plotW / 2, HEIGHT - 1);
  ctx.save();
  ctx.translate(11, TOP + plotH / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText("loss", 0, 0);
  ctx.restore();

  legend(ctx, LEFT + plotW - 8, TOP + 14);
  for (const s of steps) {
    ctx.fillStyle = `${BACKEND_COLOURS[s.backend]}55`;
    ctx.fillRect(x(s.step) - 1, yLoss(s.loss) - 1, 2, 2);
  }
  ctx.lineWidth = 2;
  let average = steps[0]?.loss ?? 0;
  for (let i = 1; i < steps.length; i++) {
    const before = average;
    average = SMOOTHING * average + (1 - SMOOTHING) * steps[i].loss;
    ctx.strokeStyle = BACKEND_COLOURS[steps[i].backend];
    ctx.beginPath();
    ctx.moveTo(x(steps[i - 1].step), yLoss(before));
    ctx.lineTo(x(steps[i].step), yLoss(average));
    ctx.stroke();
  }
  ctx.strokeStyle = ACCURACY_COLOUR;
  ctx.fillStyle = ACCURACY_COLOUR;
  ctx.beginPath();
  accuracy.forEach((a, i) =>
    i === 0 ? ctx.moveTo(x(a.step), yAccuracy(a.accuracy)) : ctx.lineTo(x(a.step), yAccuracy(a.accuracy)),
  );
  ctx.stroke();
  for (const a of accuracy) ctx.fillRect(x(a.step) - 2, yAccuracy(a.accuracy) - 2, 4, 4);
}

/** What the three colours are, right-aligned at (right, y). */
function legend(ctx: CanvasRenderingContext2D, right: number, y: number): void {
  const entries: [string, string][] = [
    ["zeroconv", BACKEND_COLOURS.zeroconv],
    ["cpu", BACKEND_COLOURS.cpu],
    ["test accuracy", ACCURACY_COLOUR],
  ];
  ctx.textAlign = "left";
  let x = right;
  for (const [label, colour] of entries.reverse()) {
    x -= ctx.measureText(label).width + 26;
    ctx.fillStyle = colour;
    ctx.fillRect(x, y - 4, 14, 3);
    ctx.fillStyle = "#1d2430";
    ctx.fillText(label, x + 18, y);
  }
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
}
