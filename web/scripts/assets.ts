// Writes what the demo page fetches into web/public/ (generated, gitignored), so that the built
// site works offline with nothing else to download:
//   simple_convnet.safetensors  the committed trained weights
//   mnist_test_100.bin          the first 100 MNIST test images, 100×784 bytes (0..255, row-major),
//                               then their 100 labels, one byte each
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadMnist } from "../../src/index.js";

const IMAGES = 100;
const SIDE = 28 * 28;

const root = new URL("../../", import.meta.url);
const publicDir = new URL("web/public/", root);
mkdirSync(publicDir, { recursive: true });

copyFileSync(new URL("weights/simple_convnet.safetensors", root), new URL("simple_convnet.safetensors", publicDir));

const [, [testX, testT]] = await loadMnist({ normalize: false });
const bytes = new Uint8Array(IMAGES * SIDE + IMAGES);
for (let i = 0; i < IMAGES * SIDE; i++) bytes[i] = testX.data[i];
bytes.set(testT.subarray(0, IMAGES), IMAGES * SIDE);
writeFileSync(new URL("mnist_test_100.bin", publicDir), bytes);

console.log(
  `web/public: simple_convnet.safetensors, mnist_test_100.bin (${IMAGES} test images) in ${fileURLToPath(publicDir)}`,
);
