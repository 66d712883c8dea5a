import { sgemm_packed_b } from "../gemm/sgemm";

// Winograd's element-wise stage as one GEMM per transform point: M[p] = V[p] U[p], with V
// [nt, points, ldv] and M [nt, points, ldm] as the transforms lay them out (point p's matrix has
// rows points*ld apart) and U[p] [ldv, fn] packed whole by a filter transform. Summing over the
// input channels per point is what turns the tiles' element-wise products into a convolution.
export function winograd_gemm(points: i32, nt: i32, fn: i32, ldv: i32, v: usize, u: usize, ldm: i32, m: usize, work: usize): void {
  const point = (<usize>ldv * ((fn + 7) >> 3)) << 5;
  for (let p = 0; p < points; p++) {
    sgemm_packed_b(
      nt, fn, ldv,
      v + ((<usize>p * ldv) << 2), points * ldv, 1,
      u + <usize>p * point,
      m + ((<usize>p * ldm) << 2), points * ldm,
      work,
    );
  }
}
