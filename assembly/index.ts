// The module's exports: kernels that see only pointers and sizes. Validation, allocation and the
// meaning of shapes live in ../src.
export { im2col_kernel_order } from "./im2col/im2col_kernel_order";
export { im2col_output_order } from "./im2col/im2col_output_order";
export { col2im } from "./im2col/col2im";
export { conv_direct_4x8 } from "./conv/conv_direct_4x8";
export { transpose_4x4 } from "./layout/transpose_4x4";
export { sgemm, sgemm_packed_b } from "./gemm/sgemm";
export { sgemm_pack_b_8 } from "./gemm/sgemm_pack_b_8";
export { sgemm_workspace_bytes } from "./gemm/gemm_blocked";
export { epilogue_apply, epilogue_set } from "./elementwise/epilogue";
export { conv_gemm } from "./conv/conv_gemm";
export { conv_nhwc_direct_4x8 } from "./conv/conv_nhwc_direct_4x8";
export { conv_nhwc_filter_grad_4x8 } from "./conv/conv_nhwc_filter_grad_4x8";
export { conv_nhwc_rows } from "./conv/conv_nhwc_rows";
export { conv_nhwc_rows_add } from "./conv/conv_nhwc_rows_add";
export { group_conv_nchw, group_conv_nchw_scratch_floats } from "./conv/group_conv_nchw";
export { dwconv_nhwc } from "./conv/dwconv_nhwc";
export { dwconv_nhwc_4x6 } from "./conv/dwconv_nhwc_4x6";
export { dwconv_nchw_1x24, dwconv_nchw_1x24_scratch_floats } from "./conv/dwconv_nchw_1x24";
export { dwconv_nchw_s2_1x28, dwconv_nchw_s2_1x28_scratch_floats } from "./conv/dwconv_nchw_s2_1x28";
export { group_conv_nhwc } from "./conv/group_conv_nhwc";
export { pointwise_nchw } from "./conv/pointwise_nchw";
export { pointwise_nhwc } from "./conv/pointwise_nhwc";
export { sgemm_pack_a_4 } from "./gemm/sgemm_pack_a_4";
export { winograd_filter_transform } from "./winograd/winograd_filter_transform";
export { winograd_input_transform } from "./winograd/winograd_input_transform";
export { winograd_gemm } from "./winograd/winograd_gemm";
export { winograd_output_transform } from "./winograd/winograd_output_transform";
export { maxpool_forward } from "./pool/maxpool_forward";
export { maxpool_2x2s2_forward } from "./pool/maxpool_2x2s2_forward";
export { maxpool_2x2s2_max } from "./pool/maxpool_2x2s2_max";
export { maxpool_backward } from "./pool/maxpool_backward";
export { maxpool_nchw } from "./pool/maxpool_nchw";
export { maxpool_nhwc } from "./pool/maxpool_nhwc";
export { avgpool_nchw, avgpool_nchw_scratch_floats } from "./pool/avgpool_nchw";
export { pool_nchw_scratch_floats } from "./pool/pool_nchw_rows";
export { avgpool_nhwc } from "./pool/avgpool_nhwc";
export { global_avgpool } from "./pool/global_avgpool";
export { global_maxpool } from "./pool/global_maxpool";
export { maxpool_backward_nchw } from "./pool/maxpool_backward_nchw";
export { maxpool_backward_nhwc } from "./pool/maxpool_backward_nhwc";
export { avgpool_backward_nchw } from "./pool/avgpool_backward_nchw";
export { avgpool_backward_nhwc } from "./pool/avgpool_backward_nhwc";
export { bias_add } from "./elementwise/bias_add";
export { bias_add_rows } from "./elementwise/bias_add_rows";
export { binary, binary_scalar } from "./elementwise/binary";
export { unary } from "./elementwise/unary";
export { bias_grad } from "./elementwise/bias_grad";
export { relu_forward } from "./elementwise/relu_forward";
export { relu_backward } from "./elementwise/relu_backward";
export { softmax_cross_entropy } from "./loss/softmax_cross_entropy";
export { softmax_cross_entropy_backward } from "./loss/softmax_cross_entropy_backward";
export { adam_update } from "./optimizers/adam_update";

// Where static data ends and the TypeScript-side heap may begin.
export function heap_base(): usize {
  return __heap_base;
}

// What this module was compiled with: 1 = relaxed SIMD (FMA), 2 = threads (shared memory). It lets
// init() name the build of bytes it was handed (init({ wasmBinary })).
export function build_features(): i32 {
  return (ASC_FEATURE_RELAXED_SIMD ? 1 : 0) | (ASC_FEATURE_THREADS ? 2 : 0);
}
