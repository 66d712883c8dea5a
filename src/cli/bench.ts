// `zeroconv bench`: a quick look at this machine's speed with the installed package, no dev
// dependencies needed. The full side-by-side suite (benny, JSON, charts) is `npm run bench`.
import { Adam, im2col, init, loadMnist, SimpleConvNet, Tensor } from "../index.js";
import { integerFlag, type Command } from "./args.js";
import { defaultWeights } from "./files.js";
import { median } from "./timing.js";

export const bench: Command = {
  name: "bench",
  summary: "median time of SimpleConvNet inference, a training step and both im2col slice orders",
  usage: "zeroconv bench [--repeats 30]",
  flags: {
    repeats: ["string", "timed calls per measurement (default 30); the median is reported"],
  },
  async run(flags) {
    const repeats = integerFlag(flags, "repeats", 30);
    await init();
    const [[xTrain, tTrain]] = await loadMnist({ flatten: false });
    const batch = new Tensor(xTrain.data.slice(0, 100 * 784), [100, 1, 28, 28]);
    const labels = tTrain.slice(0, 100);
    const net = new SimpleConvNet({ seed: 1 });
    net.loadParams(defaultWeights);
    const optimizer = new Adam();
    const rows: [string, number, number][] = [];
    const infer = median(() => net.predict(batch), repeats);
    rows.push(["inference, batch 100", infer, 100 / (infer / 1000)]);
    const step = median(() => optimizer.update(net.params, net.gradient(batch, labels)), repeats);
    rows.push(["training step (fwd+bwd+Adam), batch 100", step, 100 / (step / 1000)]);
    for (const order of ["kernel", "output"] as const) {
      const ms = median(() => im2col(batch, 5, 5, 1, 0, order), repeats);
      rows.push([`im2col ${order} order, [100,1,28,28] 5×5`, ms, 100 / (ms / 1000)]);
    }
    console.log(`median of ${repeats} calls, 1 thread\n`);
    console.log("what".padEnd(44) + "ms/call".padStart(10) + "images/s".padStart(12));
    for (const [what, ms, rate] of rows)
      console.log(what.padEnd(44) + ms.toFixed(3).padStart(10) + String(Math.round(rate)).padStart(12));
  },
};
