// Imported first by core_suite.ts: tfjs-core's describeWithFlags reads the test environments when
// a test file is evaluated, so they are set before any of them is.
import { setTestEnvs } from "@tensorflow/tfjs-core/dist/jasmine_util.js";
import "@tensorflow/tfjs-core/dist/register_all_gradients.js";
import "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js";

setTestEnvs([
  { name: "cpu", backendName: "cpu", isDataSync: true },
  { name: "zeroconv", backendName: "zeroconv", isDataSync: true },
]);
