// The bundle's entry (run_core_suite.ts builds it): tfjs-core's own test files for the kernels
// zeroconv serves (and the element-wise ones it serves in some shapes), each run once on tfjs-backend-cpu and once on zeroconv.
import "./envs.js";
import "@tensorflow/tfjs-core/dist/ops/conv1d_test.js";
import "@tensorflow/tfjs-core/dist/ops/conv2d_test.js";
import "@tensorflow/tfjs-core/dist/ops/conv2d_transpose_test.js";
import "@tensorflow/tfjs-core/dist/ops/conv2d_separable_test.js";
import "@tensorflow/tfjs-core/dist/ops/depthwise_conv2d_test.js";
import "@tensorflow/tfjs-core/dist/ops/fused/fused_conv2d_test.js";
import "@tensorflow/tfjs-core/dist/ops/fused/fused_depthwise_conv2d_test.js";
import "@tensorflow/tfjs-core/dist/ops/fused/fused_mat_mul_test.js";
import "@tensorflow/tfjs-core/dist/ops/max_pool_test.js";
import "@tensorflow/tfjs-core/dist/ops/avg_pool_test.js";
import "@tensorflow/tfjs-core/dist/ops/pool_test.js";
import "@tensorflow/tfjs-core/dist/ops/mat_mul_test.js";
import "@tensorflow/tfjs-core/dist/ops/add_test.js";
import "@tensorflow/tfjs-core/dist/ops/arithmetic_test.js";
import "@tensorflow/tfjs-core/dist/ops/sub_test.js";
import "@tensorflow/tfjs-core/dist/ops/sqrt_test.js";
import "@tensorflow/tfjs-core/dist/ops/square_test.js";
import "@tensorflow/tfjs-core/dist/ops/relu_test.js";
import "@tensorflow/tfjs-core/dist/ops/step_test.js";
import "@tensorflow/tfjs-core/dist/ops/sum_test.js";
import "@tensorflow/tfjs-core/dist/ops/mean_test.js";

export { kernelStats, registerBackend } from "../../src/tfjs/index.js";
