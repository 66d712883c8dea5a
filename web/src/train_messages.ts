// What the training panel (train_panel.ts) and its worker (train_worker.ts) say to each other.

export type TrainBackend = "zeroconv" | "cpu";

export type ToWorker =
  /** Load tfjs and zeroconv (on `threads` threads) and the training images, found beside `base`. */
  | { type: "init"; threads: number; base: string }
  /** Train batch after batch until "pause", on `backend`. */
  | { type: "run"; backend: TrainBackend }
  | { type: "pause" }
  /** The backend for the steps after the one under way. */
  | { type: "backend"; backend: TrainBackend }
  /** Start again from the seeded initial weights. */
  | { type: "reset" };

export type FromWorker =
  | { type: "ready"; build: string; threads: number; images: number; batch: number }
  /** A new model from the seeded weights: what came before it is another run's. */
  | { type: "reset" }
  /** Step `step` (counted from 1) begins, on `backend`. */
  | { type: "started"; step: number; backend: TrainBackend }
  /** One trainOnBatch: its loss, how long it took in milliseconds, and the kernels zeroconv ran so far. */
  | {
      type: "step";
      step: number;
      backend: TrainBackend;
      loss: number;
      ms: number;
      zeroconvKernels: Record<string, number>;
    }
  /** The share of the 100 bundled test images predicted right after `step` steps. */
  | { type: "accuracy"; step: number; accuracy: number }
  | { type: "paused" }
  | { type: "error"; message: string };
