// Writes what the demo page fetches into web/public/ (generated, gitignored), so that the built
// site works offline with nothing else to download:
//   simple_convnet.safetensors  the committed trained weights
//   mnist_test_100.bin          the first 100 MNIST test images, 100×784 bytes (0..255, row-major),
//                               then their 100 labels, one byte each
//   mnist_train_3000.bin        the first 3,000 MNIST training images and labels, laid out alike, for
//                               the TensorFlow.js training panel (fetched when it first trains)
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadMnist } from "../../src/index.js";

const IMAGES = 100;
const TRAINING_IMAGES = 3000;
const SIDE = 28 * 28;

const root = new URL("../../", import.meta.url);
const publicDir = new URL("web/public/", root);
mkdirSync(publicDir, { recursive: true });

copyFileSync(new URL("weights/simple_convnet.safetensors", root), new URL("simple_convnet.safetensors", publicDir));

/** The first n images' bytes, then their n labels. */
function imagesFile(images: Float32Array, labels: Uint8Array, n: number): Uint8Array {
  const bytes = new Uint8Array(n * SIDE + n);
  for (let i = 0; i < n * SIDE; i++) bytes[i] = images[i];
  bytes.set(labels.subarray(0, n), n * SIDE);
  return bytes;
}

const [[trainX, trainT], [testX, testT]] = await loadMnist({ normalize: false });
writeFileSync(new URL("mnist_test_100.bin", publicDir), imagesFile(testX.data, testT, IMAGES));
writeFileSync(
  new URL(`mnist_train_${TRAINING_IMAGES}.bin`, publicDir),
  imagesFile(trainX.data, trainT, TRAINING_IMAGES),
);

console.log(
  `web/public: simple_convnet.safetensors, mnist_test_100.bin (${IMAGES} test images), ` +
    `mnist_train_${TRAINING_IMAGES}.bin (${TRAINING_IMAGES} training images) in ${fileURLToPath(publicDir)}`,
);
