// Packs a kc x nc block of B into column panels of NR = 8: panel p holds, for each k, the eight
// values B[k][8p .. 8p+7] side by side (two v128 per k-step). Columns past nc are zero.
// B(k, j) = b[k*rs + j*cs] in floats: (rs, cs) = (ldb, 1) for B, (1, ldb) for a transposed B.
export function sgemm_pack_b_8(b: usize, rs: i32, cs: i32, kc: i32, nc: i32, dst: usize): void {
  const rsB = <usize>rs << 2;
  const csB = <usize>cs << 2;
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
        const p = src + (<usize>k << 2);
        const l0 = v128.load(p);
        const l1 = v128.load(p + csB);
        const l2 = v128.load(p + 2 * csB);
        const l3 = v128.load(p + 3 * csB);
        const h0 = v128.load(p + 4 * csB);
        const h1 = v128.load(p + 5 * csB);
        const h2 = v128.load(p + 6 * csB);
        const h3 = v128.load(p + 7 * csB);
        const a0 = v128.shuffle<f32>(l0, l1, 0, 4, 1, 5);
        const a1 = v128.shuffle<f32>(l0, l1, 2, 6, 3, 7);
        const a2 = v128.shuffle<f32>(l2, l3, 0, 4, 1, 5);
        const a3 = v128.shuffle<f32>(l2, l3, 2, 6, 3, 7);
        const b0 = v128.shuffle<f32>(h0, h1, 0, 4, 1, 5);
        const b1 = v128.shuffle<f32>(h0, h1, 2, 6, 3, 7);
        const b2 = v128.shuffle<f32>(h2, h3, 0, 4, 1, 5);
        const b3 = v128.shuffle<f32>(h2, h3, 2, 6, 3, 7);
        v128.store(dst, v128.shuffle<f32>(a0, a2, 0, 1, 4, 5));
        v128.store(dst, v128.shuffle<f32>(b0, b2, 0, 1, 4, 5), 16);
        v128.store(dst, v128.shuffle<f32>(a0, a2, 2, 3, 6, 7), 32);
        v128.store(dst, v128.shuffle<f32>(b0, b2, 2, 3, 6, 7), 48);
        v128.store(dst, v128.shuffle<f32>(a1, a3, 0, 1, 4, 5), 64);
        v128.store(dst, v128.shuffle<f32>(b1, b3, 0, 1, 4, 5), 80);
        v128.store(dst, v128.shuffle<f32>(a1, a3, 2, 3, 6, 7), 96);
        v128.store(dst, v128.shuffle<f32>(b1, b3, 2, 3, 6, 7), 112);
        dst += 128;
      }
      for (; k < kc; k++) {
        const p = src + (<usize>k << 2);
        for (let c = 0; c < 8; c++) store<f32>(dst + (<usize>c << 2), load<f32>(p + <usize>c * csB));
        dst += 32;
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const p = src + <usize>k * rsB;
        for (let c = 0; c < 8; c++) {
          store<f32>(dst + (<usize>c << 2), c < nr ? load<f32>(p + <usize>c * csB) : 0);
        }
        dst += 32;
      }
    }
  }
}
