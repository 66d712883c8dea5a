// zeroconv against the book's own NumPy algorithms ("Deep Learning from Scratch" ch.7): im2col by
// strided slices, col2im, Convolution and Pooling forward/backward, run in float64 by
// test/reference/book_ops.py on fixed inputs and stored in test/fixtures/book_ops.json.
//
// Tolerances:
// - im2col and max-pooling (forward and backward) must equal Math.fround of NumPy's float64
//   value exactly: the inputs are float32 numbers, im2col and pooling forward only copy them, and
//   pooling's dout is a multiple of 2^-12, so pooling backward's sums are exact in float32.
// - col2im and convolution (float32 sums against float64 sums) must agree within 1e-4 relative
//   to the largest |value| of the expected tensor: |got - want| <= 1e-4 * max|want|.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { needs } from "./requirements.js";
import { beforeAll, describe, expect, it } from "vitest";
import { col2im, conv2d, Convolution, im2col, init, maxPool2d, Pooling, type TensorLike } from "../src/index.js";
import { expectRelClose, type Stored } from "./util.js";

interface ConvCase {
  name: string;
  stride: number;
  pad: number;
  FH: number;
  FW: number;
  x: Stored;
  W: Stored;
  b: Stored;
  im2col: Stored;
  col2im_col: Stored;
  col2im: Stored;
  out: Stored;
  dout: Stored;
  dx: Stored;
  dW: Stored;
  db: Stored;
}
interface PoolCase {
  name: string;
  poolH: number;
  poolW: number;
  stride: number;
  x: Stored;
  out: Stored;
  dout: Stored;
  dx: Stored;
}

const fixtureUrl = new URL("./fixtures/book_ops.json", import.meta.url);
const scriptUrl = new URL("./reference/book_ops.py", import.meta.url);
const fixture = JSON.parse(readFileSync(fixtureUrl, "utf8")) as { conv: ConvCase[]; pool: PoolCase[] };

beforeAll(async () => {
  await init();
});

function sameShape(what: string, got: TensorLike, want: Stored): void {
  expect(Array.from(got.shape), `${what}: shape`).toEqual(want.shape);
}

/** Every element equal to the float32 rounding of NumPy's value. */
function expectFloat32Exact(what: string, got: TensorLike, want: Stored): void {
  sameShape(what, got, want);
  want.data.forEach((w, i) => {
    if (got.data[i] !== Math.fround(w)) {
      throw new Error(
        `${what}: element ${i} of ${want.data.length}: got ${got.data[i]}, want fround(${w}) = ${Math.fround(w)}`,
      );
    }
  });
}

describe("zeroconv matches the book's NumPy layers (test/fixtures/book_ops.json)", () => {
  for (const c of fixture.conv) {
    const geom = `x ${JSON.stringify(c.x.shape)} W ${JSON.stringify(c.W.shape)} stride ${c.stride} pad ${c.pad}`;
    describe(`conv case "${c.name}": ${geom}`, () => {
      it("im2col equals the book's im2col in both slice orders", () => {
        for (const order of ["kernel", "output"] as const) {
          expectFloat32Exact(`im2col ${order} order`, im2col(c.x, c.FH, c.FW, c.stride, c.pad, order), c.im2col);
        }
      });

      it("col2im equals the book's col2im", () => {
        expectRelClose("col2im", col2im(c.col2im_col, c.x.shape, c.FH, c.FW, c.stride, c.pad), c.col2im);
      });

      it("conv2d and Convolution.forward equal the book's Convolution.forward", () => {
        expectRelClose("conv2d", conv2d(c.x, c.W, c.b, { stride: c.stride, pad: c.pad }), c.out);
        const layer = new Convolution(c.W, c.b, c.stride, c.pad);
        expectRelClose("Convolution.forward", layer.forward(c.x), c.out);
        layer.dispose();
      });

      it("Convolution.backward gives the book's dx, dW and db", () => {
        const layer = new Convolution(c.W, c.b, c.stride, c.pad);
        layer.forward(c.x);
        expectRelClose("dx", layer.backward(c.dout), c.dx);
        expectRelClose("dW", layer.dW!, c.dW);
        expectRelClose("db", layer.db!, c.db);
        layer.dispose();
      });
    });
  }

  for (const c of fixture.pool) {
    describe(`pool case "${c.name}": x ${JSON.stringify(c.x.shape)} pool ${c.poolH}x${c.poolW} stride ${c.stride} pad 0`, () => {
      it("Pooling forward and backward equal the book's Pooling", () => {
        const layer = new Pooling(c.poolH, c.poolW, c.stride, 0);
        expectFloat32Exact("Pooling.forward", layer.forward(c.x), c.out);
        expectFloat32Exact("Pooling.backward", layer.backward(c.dout), c.dx);
        layer.dispose();
      });

      it("maxPool2d equals the book's Pooling.forward", () => {
        expectFloat32Exact("maxPool2d", maxPool2d(c.x, { poolH: c.poolH, poolW: c.poolW, stride: c.stride }), c.out);
      });
    });
  }
});

const regen = needs(
  "test/book.test.ts",
  "test/fixtures/book_ops.json is byte for byte what test/reference/book_ops.py writes",
  { numpy: true },
);

describe("the fixture comes from the script", () => {
  it.skipIf(regen.skip)(regen.title, () => {
    const dir = mkdtempSync(join(tmpdir(), "zeroconv-book-"));
    try {
      const out = join(dir, "book_ops.json");
      const run = spawnSync("python3", [fileURLToPath(scriptUrl), out], { encoding: "utf8", timeout: 60_000 });
      expect(run.status, `book_ops.py failed: ${run.stderr}`).toBe(0);
      const fresh = readFileSync(out, "utf8");
      const committed = readFileSync(fixtureUrl, "utf8");
      if (fresh !== committed) {
        let i = 0;
        while (i < fresh.length && fresh[i] === committed[i]) i++;
        throw new Error(
          `regenerated fixture differs from the committed one at character ${i}: ` +
            `committed …${JSON.stringify(committed.slice(Math.max(0, i - 40), i + 40))}…, ` +
            `regenerated …${JSON.stringify(fresh.slice(Math.max(0, i - 40), i + 40))}…`,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
