import { storeTransposed4x4 } from "./transpose_block";

// Tiles of 32 x 32: the 32 destination rows a tile writes (4 floats each per block) stay in L1
// until the tile is done. Untiled, each 4-row strip swept the whole destination, which for the
// 7x7 stride-2 im2col (147 x 12544) meant a cache miss per 16-byte store.
const TILE: i32 = 32;

// dst[b][j][i] = src[b][i][j] for `batch` matrices of rows x cols, in 4x4 register blocks: four
// row loads, eight shuffles, four contiguous stores. Edges that do not fill a block go scalar.
export function transpose_4x4(src: usize, rows: i32, cols: i32, dst: usize, batch: i32): void {
  const srcRow = (<usize>cols) << 2;
  const dstRow = (<usize>rows) << 2;
  const matBytes = (<usize>(rows * cols)) << 2;
  for (let b = 0; b < batch; b++) {
    const s = src + <usize>b * matBytes;
    const d = dst + <usize>b * matBytes;
    for (let ii = 0; ii < rows; ii += TILE) {
      const iEnd = min(ii + TILE, rows);
      for (let jj = 0; jj < cols; jj += TILE) {
        const jEnd = min(jj + TILE, cols);
        let i = ii;
        for (; i + 4 <= iEnd; i += 4) {
          const s0 = s + <usize>i * srcRow;
          let j = jj;
          for (; j + 4 <= jEnd; j += 4) {
            const p = s0 + ((<usize>j) << 2);
            storeTransposed4x4(
              v128.load(p),
              v128.load(p + srcRow),
              v128.load(p + 2 * srcRow),
              v128.load(p + 3 * srcRow),
              d + <usize>j * dstRow + ((<usize>i) << 2),
              dstRow,
            );
          }
          for (; j < jEnd; j++) {
            const q = d + <usize>j * dstRow + ((<usize>i) << 2);
            const p = s0 + ((<usize>j) << 2);
            store<f32>(q, load<f32>(p));
            store<f32>(q, load<f32>(p + srcRow), 4);
            store<f32>(q, load<f32>(p + 2 * srcRow), 8);
            store<f32>(q, load<f32>(p + 3 * srcRow), 12);
          }
        }
        for (; i < iEnd; i++) {
          for (let j = jj; j < jEnd; j++) {
            store<f32>(d + <usize>j * dstRow + ((<usize>i) << 2), load<f32>(s + <usize>i * srcRow + ((<usize>j) << 2)));
          }
        }
      }
    }
  }
}
