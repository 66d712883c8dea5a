import { storeTransposed4x4 } from "../layout/transpose_block";

// Packs an mc x kc block of A into row panels of MR = 4: panel p holds, for each k, the four
// values A[4p .. 4p+3][k] side by side, so the micro-kernel reads one v128 per k-step. Rows past
// mc are zero, which lets one 4x8 kernel serve every M. A(i, k) = a[i*rs + k*cs] in floats:
// (rs, cs) = (lda, 1) for A, (1, lda) for a transposed A.
export function sgemm_pack_a_4(a: usize, rs: i32, cs: i32, mc: i32, kc: i32, dst: usize): void {
  const rsB = (<usize>rs) << 2;
  const csB = (<usize>cs) << 2;
  for (let i = 0; i < mc; i += 4) {
    const mr = min(4, mc - i);
    const src = a + <usize>i * rsB;
    if (mr == 4 && cs == 1) {
      // Rows are contiguous along k: transpose 4x4 blocks in registers.
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const p = src + ((<usize>k) << 2);
        storeTransposed4x4(v128.load(p), v128.load(p + rsB), v128.load(p + 2 * rsB), v128.load(p + 3 * rsB), dst, 16);
        dst += 64;
      }
      for (; k < kc; k++) {
        const p = src + ((<usize>k) << 2);
        store<f32>(dst, load<f32>(p));
        store<f32>(dst, load<f32>(p + rsB), 4);
        store<f32>(dst, load<f32>(p + 2 * rsB), 8);
        store<f32>(dst, load<f32>(p + 3 * rsB), 12);
        dst += 16;
      }
    } else if (mr == 4 && rs == 1) {
      // Transposed A: the four values of a k-step are already adjacent.
      for (let k = 0; k < kc; k++) {
        v128.store(dst, v128.load(src + <usize>k * csB));
        dst += 16;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const p = src + <usize>k * csB;
        for (let r = 0; r < 4; r++) {
          store<f32>(dst + ((<usize>r) << 2), r < mr ? load<f32>(p + <usize>r * rsB) : 0);
        }
        dst += 16;
      }
    }
  }
}
