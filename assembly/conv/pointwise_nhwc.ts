import { clearEpilogue } from "../elementwise/epilogue";
import { sgemm_pack_b_8 } from "../gemm/sgemm_pack_b_8";
import { pointwise_nhwc_4x8 } from "./pointwise_nhwc_4x8";

// y[m x n] = act(x[m x k] W[k x n] + bias) for m pixels of an NHWC image's 1x1 stride-1
// convolution: x's rows (pixels) ldx floats apart (the image's C), W's (HWIO, [C, FN]) ldw apart,
// y's ldy apart. Only W is packed (into `work`, ((n + 7) & ~7) * k floats); each pixel's channels are broadcast
// from the image in place, and the epilogue rides in the store. Four pixels outer, so their rows
// stay in L1 while every 8-column panel of W streams past.
export function pointwise_nhwc(
  m: i32,
  n: i32,
  k: i32,
  x: usize,
  ldx: i32,
  w: usize,
  ldw: i32,
  y: usize,
  ldy: i32,
  work: usize,
): void {
  sgemm_pack_b_8(w, ldw, 1, k, n, work);
  const ldxBytes = (<usize>ldx) << 2;
  for (let i = 0; i < m; i += 4) {
    const a = x + ((<usize>i * ldx) << 2);
    const mr = min(4, m - i);
    for (let j = 0; j < n; j += 8) {
      const c = y + ((<usize>i * ldy + j) << 2);
      pointwise_nhwc_4x8(k, a, ldxBytes, work + ((<usize>(j * k)) << 2), c, ldy, mr, min(8, n - j), j);
    }
  }
  clearEpilogue();
}
