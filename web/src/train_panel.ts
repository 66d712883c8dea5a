// The TensorFlow.js panel: the tf.layers SimpleConvNet trained in a worker (train_worker.ts) on the
// bundled training images, on tfjs's CPU backend or on zeroconv, switchable while it trains, with
// the loss and test accuracy plotted as they come and each backend's images/s. Nothing of tfjs is
// loaded until the visitor first asks it to train.
import { byId } from "./dom.js";
import { type AccuracyPoint, BACKEND_COLOURS, paintTraining, SMOOTHING, type StepPoint } from "./train_plot.js";
import type { FromWorker, ToWorker, TrainBackend } from "./train_messages.js";
import { median } from "./timing.js";

/** Each backend's images/s is the median of its last this many steps. */
const RATE_STEPS = 20;

export function setUpTraining(threads: number): void {
  const button = byId("train-run", HTMLButtonElement);
  const resetButton = byId("train-reset", HTMLButtonElement);
  const canvas = byId("train-plot", HTMLCanvasElement);
  const radios = Array.from(document.querySelectorAll<HTMLInputElement>('input[name="train-backend"]'));
  const chosen = (): TrainBackend => (radios.find((r) => r.checked)?.value ?? "zeroconv") as TrainBackend;
  for (const r of radios) r.parentElement!.style.color = BACKEND_COLOURS[r.value as TrainBackend];

  let worker: Worker | null = null;
  let running = false;
  let batch = 0;
  let steps: StepPoint[] = [];
  let accuracy: AccuracyPoint[] = [];
  /** The plot's running average of the loss, at the last step. */
  let average = 0;
  const times: Record<TrainBackend, number[]> = { zeroconv: [], cpu: [] };
  let painting = false;

  const send = (m: ToWorker): void => worker!.postMessage(m);
  const paint = (): void => {
    if (painting) return;
    painting = true;
    requestAnimationFrame(() => {
      painting = false;
      paintTraining(canvas, steps, accuracy);
    });
  };
  const showRates = (): void => {
    const rate = (b: TrainBackend): number => batch / (median(times[b]) / 1000);
    for (const b of ["zeroconv", "cpu"] as const) {
      if (times[b].length > 0) byId(`train-rate-${b}`).textContent = String(Math.round(rate(b)));
    }
    if (times.zeroconv.length > 0 && times.cpu.length > 0) {
      byId("train-ratio").textContent = `zeroconv trains ${(rate("zeroconv") / rate("cpu")).toFixed(1)}× as fast here`;
    }
  };
  const setRunning = (on: boolean): void => {
    running = on;
    button.textContent = on ? "Pause" : steps.length > 0 ? "Resume" : "Train";
  };

  const onMessage = (m: FromWorker): void => {
    switch (m.type) {
      case "ready":
        batch = m.batch;
        byId("train-detail").textContent =
          `${m.images.toLocaleString("en")} MNIST training images in batches of ${m.batch}, ` +
          `plain SGD; zeroconv's ${m.build} build on ${m.threads} thread${m.threads > 1 ? "s" : ""}, in a worker`;
        resetButton.disabled = false;
        break;
      case "reset":
        steps = [];
        accuracy = [];
        paint();
        break;
      case "started":
        byId("train-now").textContent = `step ${m.step} on ${m.backend}…`;
        break;
      case "step":
        steps.push({ step: m.step, loss: m.loss, backend: m.backend });
        times[m.backend].push(m.ms);
        if (times[m.backend].length > RATE_STEPS) times[m.backend].shift();
        average = steps.length === 1 ? m.loss : SMOOTHING * average + (1 - SMOOTHING) * m.loss;
        byId("train-step").textContent = String(m.step);
        byId("train-loss").textContent = average.toFixed(3);
        byId("train-first-loss").textContent = steps[0].loss.toFixed(3);
        byId("train-kernels").textContent = kernelsLine(m.zeroconvKernels);
        showRates();
        paint();
        break;
      case "accuracy":
        accuracy.push({ step: m.step, accuracy: m.accuracy });
        byId("train-accuracy").textContent = `${Math.round(m.accuracy * 100)}%`;
        paint();
        break;
      case "paused":
        byId("train-now").textContent = "paused";
        setRunning(false);
        button.disabled = false;
        break;
      case "error":
        byId("train-detail").textContent = `error: ${m.message}`;
        console.error(`training worker: ${m.message}`);
        setRunning(false);
        break;
    }
  };

  button.addEventListener("click", () => {
    if (worker === null) {
      byId("train-detail").textContent = "loading TensorFlow.js and 3,000 training images…";
      worker = new Worker(new URL("./train_worker.ts", import.meta.url), { type: "module" });
      worker.addEventListener("message", (e: MessageEvent<FromWorker>) => onMessage(e.data));
      worker.addEventListener("error", (e) => onMessage({ type: "error", message: e.message }));
      send({ type: "init", threads, base: document.baseURI });
    }
    if (running) {
      // The step under way finishes first: the button waits for "paused".
      button.disabled = true;
      send({ type: "pause" });
    } else {
      setRunning(true);
      send({ type: "run", backend: chosen() });
    }
  });
  for (const r of radios)
    r.addEventListener("change", () => worker?.postMessage({ type: "backend", backend: chosen() }));
  resetButton.addEventListener("click", () => {
    send({ type: "reset" });
    if (!running) button.textContent = "Train";
  });
  paint();
}

function kernelsLine(counts: Record<string, number>): string {
  const names = Object.keys(counts);
  if (names.length === 0) return "";
  return `Ran on zeroconv so far: ${names.map((n) => `${n} ×${counts[n]}`).join(", ")}; every other kernel (softmax, the loss, …) is tfjs-backend-cpu's, on either backend.`;
}
