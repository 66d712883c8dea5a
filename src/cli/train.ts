// `zeroconv train` (npm run train): the book's ch07/train_convnet.py recipe on MNIST, with a
// progress bar, a per-epoch log, the book's accuracy figure as a PNG and the weights.
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { init, loadMnist, SimpleConvNet, Tensor, train, type EpochInfo, type StepInfo } from "../index.js";
import { linePlot } from "../pictures/plot.js";
import { integerFlag, positiveFlag, UsageError, type Command } from "./args.js";
import { writePng, writeText } from "./files.js";
import { ProgressBar } from "./progress_bar.js";

export const trainCommand: Command = {
  name: "train",
  summary: "train SimpleConvNet on MNIST as the book's ch07/train_convnet.py (Adam, batch 100, 20 epochs)",
  usage:
    "zeroconv train [--epochs 20] [--batch-size 100] [--lr 0.001] [--seed 0] [--out weights/simple_convnet.safetensors]",
  flags: {
    epochs: ["string", "passes over the 60,000 training images (default 20)"],
    "batch-size": ["string", "images per step (default 100)"],
    lr: ["string", "Adam's learning rate (default 0.001)"],
    seed: ["string", "seed of the initial weights and the batch order (default 0)"],
    "eval-samples": ["string", "images of each set scored after every epoch (default 1000)"],
    "train-images": ["string", "train on the first N training images only (default: all 60,000)"],
    out: ["string", "weights file, .safetensors or .pkl (default weights/simple_convnet.safetensors)"],
  },
  async run(flags) {
    const epochs = integerFlag(flags, "epochs", 20);
    const batchSize = integerFlag(flags, "batch-size", 100);
    const lr = positiveFlag(flags, "lr", 0.001);
    const seed = integerFlag(flags, "seed", 0, 0);
    const evalSamples = integerFlag(flags, "eval-samples", 1000);
    const out = resolve(String(flags.out ?? "weights/simple_convnet.safetensors"));
    if (!/\.(safetensors|pkl|pickle)$/i.test(out))
      throw new UsageError(`--out must end in .safetensors or .pkl; got ${JSON.stringify(out)}`);
    const stem = out.replace(/\.[^.]+$/, "");
    // Before the minutes of training, not after: a directory that cannot be made fails now.
    mkdirSync(dirname(out), { recursive: true });

    const { simd, build, threads } = await init();
    let [[xTrain, tTrain], test] = await loadMnist({ flatten: false });
    const limit = integerFlag(flags, "train-images", xTrain.shape[0]);
    if (limit < xTrain.shape[0]) {
      xTrain = new Tensor(xTrain.data.slice(0, limit * 784), [limit, 1, 28, 28]);
      tTrain = tTrain.slice(0, limit);
    }
    const net = new SimpleConvNet({ seed });
    const bar = new ProgressBar(process.stderr);
    const lines: string[] = [];
    const log = (line: string): void => {
      bar.clear();
      console.log(line);
      lines.push(line);
    };
    log(
      `SimpleConvNet on MNIST: ${xTrain.shape[0]} training images, Adam lr ${lr}, batch ${batchSize}, ${epochs} epochs, seed ${seed}; WASM SIMD ${simd} (${build}), ${threads} thread${threads === 1 ? "" : "s"}`,
    );
    let epochStart = 0;
    const result = train(net, [xTrain, tTrain], test, {
      epochs,
      batchSize,
      lr,
      seed,
      evalSamples,
      onStep: (s: StepInfo) => {
        const rate = (s.step * batchSize) / Math.max(s.seconds - epochStart, 1e-9);
        bar.draw(
          s.step / s.stepsPerEpoch,
          `epoch ${s.epoch}/${epochs}  loss ${s.loss.toFixed(4)}  ${Math.round(rate)} images/s`,
        );
      },
      onEpoch: (e: EpochInfo) => {
        const took = e.epoch === 0 ? "" : `  (${(e.seconds - epochStart).toFixed(1)} s)`;
        log(
          `epoch ${String(e.epoch).padStart(2)}  train acc ${e.trainAccuracy.toFixed(4)}  test acc ${e.testAccuracy.toFixed(4)}${took}`,
        );
        epochStart = e.seconds;
      },
    });
    log(
      `test accuracy (all ${test[1].length} images): ${(result.testAccuracy * 100).toFixed(2)}%  total ${result.seconds.toFixed(1)} s`,
    );

    net.saveParams(out);
    const plot = linePlot({
      title: "SimpleConvNet on MNIST",
      xLabel: "epochs",
      yLabel: "accuracy",
      yMin: 0,
      yMax: 1,
      series: [
        { label: "train", values: result.epochs.map((e) => e.trainAccuracy), color: [31, 119, 180] },
        { label: "test", values: result.epochs.map((e) => e.testAccuracy), color: [255, 127, 14], dashed: true },
      ],
    });
    writePng(`${stem}.accuracy.png`, plot, 3);
    writeText(`${stem}.log`, `${lines.join("\n")}\n`);
    console.log(`wrote ${out}, ${stem}.accuracy.png and ${stem}.log`);
  },
};
