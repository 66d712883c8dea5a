import { init, loadMnist, SimpleConvNet } from "../index.js";
import { integerFlag, type Command } from "./args.js";
import { defaultWeights } from "./files.js";

export const evaluate: Command = {
  name: "eval",
  summary: "test accuracy of a SimpleConvNet's weights over the 10,000 MNIST test images",
  usage: "zeroconv eval [--params file] [--batch-size 100]",
  flags: {
    params: ["string", "weights (.safetensors or the book's .pkl); default: the committed trained weights"],
    "batch-size": ["string", "images per forward pass (default 100)"],
  },
  async run(flags) {
    const batchSize = integerFlag(flags, "batch-size", 100);
    const paramsPath = String(flags.params ?? defaultWeights);
    await init();
    const [, [xTest, tTest]] = await loadMnist({ flatten: false });
    const net = new SimpleConvNet();
    net.loadParams(paramsPath);
    const t0 = performance.now();
    const accuracy = net.accuracy(xTest, tTest, batchSize);
    const seconds = (performance.now() - t0) / 1000;
    const correct = Math.round(accuracy * tTest.length);
    console.log(`${paramsPath}`);
    console.log(
      `test accuracy: ${(accuracy * 100).toFixed(2)}% (${correct} of ${tTest.length}) in ${seconds.toFixed(2)} s, ${Math.round(tTest.length / seconds)} images/s`,
    );
  },
};
