import { storeTransposed4x4 } from "../layout/transpose_block";

// Packs a kc x nc block of B into column panels of NR = 8: panel p holds, for each k, the eight
// values B[k][8p .. 8p+7] side by side (two v128 per k-step). Columns past nc are zero.
// B(k, j) = b[k*rs + j*cs] in floats: (rs, cs) = (ldb, 1) for B, (1, ldb) for a transposed B.
export function sgemm_pack_b_8(b: usize, rs: i32, cs: i32, kc: i32, nc: i32, dst: usize): void {
  const rsB = (<usize>rs) << 2;
  const csB = (<usize>cs) << 2;
  for (let j = 0; j < nc; j += 8) {
    const nr = min(8, nc - j);
    const src = b + <usize>j * csB;
    if (nr == 8 && cs == 1) {
      for (let k = 0; k < kc; k++) {
        const p = src + <usize>k * rsB;
        v128.store(dst, v128.load(p));
        v128.store(dst, v128.load(p, 16), 16);
        dst += 32;
      }
    } else if (nr == 8 && rs == 1) {
      // Transposed B: each column is contiguous along k; transpose two 4x4 blocks per 4 k-steps.
      let k = 0;
      for (; k + 4 <= kc; k += 4) {
        const p = src + ((<usize>k) << 2);
        // Columns j..j+3 fill the low half of each 8-wide k-step, j+4..j+7 the high half.
        storeTransposed4x4(v128.load(p), v128.load(p + csB), v128.load(p + 2 * csB), v128.load(p + 3 * csB), dst, 32);
        storeTransposed4x4(
          v128.load(p + 4 * csB),
          v128.load(p + 5 * csB),
          v128.load(p + 6 * csB),
          v128.load(p + 7 * csB),
          dst + 16,
          32,
        );
        dst += 128;
      }
      for (; k < kc; k++) {
        const p = src + ((<usize>k) << 2);
        for (let c = 0; c < 8; c++) store<f32>(dst + ((<usize>c) << 2), load<f32>(p + <usize>c * csB));
        dst += 32;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const p = src + <usize>k * rsB;
        for (let c = 0; c < 8; c++) {
          store<f32>(dst + ((<usize>c) << 2), c < nr ? load<f32>(p + <usize>c * csB) : 0);
        }
        dst += 32;
      }
    }
  }
}
