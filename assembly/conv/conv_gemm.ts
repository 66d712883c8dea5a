import { conv_pack_b_8 } from "./conv_pack_b_8";
import { gemmBlocked } from "../gemm/gemm_blocked";

// The image packImageB reads (see sgemm.ts for why these are globals).
let img: usize = 0;
let imgH: i32 = 0;
let imgW: i32 = 0;
let kerH: i32 = 0;
let kerW: i32 = 0;
let strideY: i32 = 0;
let strideX: i32 = 0;
let dilationY: i32 = 0;
let dilationX: i32 = 0;
let padTop: i32 = 0;
let padLeft: i32 = 0;
let outCols: i32 = 0;
let firstPixel: i32 = 0;

function packImageB(pc: i32, kc: i32, jc: i32, nc: i32, dst: usize): void {
  conv_pack_b_8(
    img,
    imgH,
    imgW,
    kerH,
    kerW,
    strideY,
    strideX,
    dilationY,
    dilationX,
    padTop,
    padLeft,
    outCols,
    pc,
    kc,
    firstPixel + jc,
    nc,
    dst,
  );
}

// y[fn x n] = W[fn x c*fh*fw] * colT[:, j0 : j0 + n] for one image x [c, h, w] (strides sy, sx,
// dilations dh, dw, top and left padding; the bottom and right only bound outH, outW): a convolution as
// im2col + SGEMM without the im2col matrix (conv_pack_b_8 packs its panels from the image). Output
// pixels j0 .. j0 + n - 1 land in columns 0 .. n - 1 of y, whose row stride is ldy, so threads
// can each take a range of pixels of the same image.
export function conv_gemm(
  x: usize,
  c: i32,
  h: i32,
  w: i32,
  fh: i32,
  fw: i32,
  sy: i32,
  sx: i32,
  dh: i32,
  dw: i32,
  top: i32,
  left: i32,
  outW: i32,
  j0: i32,
  n: i32,
  wts: usize,
  fn: i32,
  y: usize,
  ldy: i32,
  work: usize,
): void {
  img = x;
  imgH = h;
  imgW = w;
  kerH = fh;
  kerW = fw;
  strideY = sy;
  strideX = sx;
  dilationY = dh;
  dilationX = dw;
  padTop = top;
  padLeft = left;
  outCols = outW;
  firstPixel = j0;
  const k = c * fh * fw;
  gemmBlocked(fn, n, k, wts, k, 1, packImageB, 0, y, ldy, work); // with gemm_epilogue's bias and activation
}
