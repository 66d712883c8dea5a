// The Node entry's extra, loadMnist, type-checked under moduleResolution node16 only: bundlers
// resolve the package's "default" condition, the browser entry, which has no file reading.
import { type LoadMnistOptions, loadMnist, SimpleConvNet, type Tensor } from "zeroconv";

// The overloads give digit labels unless oneHotLabel is literally true.
const [, [xTest, tTest]] = await loadMnist({ dir: "mnist", flatten: false });
const labels: Uint8Array = tTest;
const options: LoadMnistOptions = { dir: "mnist", oneHotLabel: true };
const [[, oneHot]] = await loadMnist({ ...options, oneHotLabel: true });
const rows: Tensor = oneHot;
export const accuracy: number = new SimpleConvNet().accuracy(xTest, labels) + rows.shape[0];
