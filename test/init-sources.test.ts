import { describe, expect, it } from "vitest";
import { autoBuild, relaxedSimdFlags, runModule } from "./util.js";

// init({ wasmUrl }) and init({ wasmBinary }) in fresh processes (each can init() once), against the
// built package, as a user with unusual hosting would call them.
// No inherited ZEROCONV_* defaults and no inherited V8 flags: each case says what it runs with.
function run(body: string, flags: string[] = []) {
  const script = `import { readFileSync } from "node:fs"; import { pathToFileURL } from "node:url";
import { init, matmul } from "./dist/index.js";
${body}`;
  return runModule(script, flags, { ZEROCONV_BUILD: "", ZEROCONV_THREADS: "" });
}

const product = `console.log(JSON.stringify(Array.from(matmul({ shape: [1, 2], data: [1, 2] }, { shape: [2, 1], data: [3, 4] }).data)));`;

describe("init's wasm sources", () => {
  it("wasmBinary: the bytes of a build are used as they are, and name their build and threads", () => {
    const plain = run(
      `console.log(JSON.stringify(await init({ wasmBinary: readFileSync("build/zeroconv.wasm") }))); ${product}`,
    );
    expect(plain.stderr).toBe("");
    expect(plain.stdout.trim().split("\n")).toEqual([
      JSON.stringify({ simd: true, build: "simd", threads: 1 }),
      "[11]",
    ]);

    const fma = run(
      `console.log((await init({ wasmBinary: readFileSync("build/zeroconv.relaxed-simd.wasm") })).build); ${product}`,
      relaxedSimdFlags,
    );
    expect(fma.stdout.trim().split("\n")).toEqual(["relaxed-simd", "[11]"]);

    const threaded = run(
      `console.log((await init({ wasmBinary: readFileSync("build/zeroconv.threads.wasm") })).threads); ${product}`,
    );
    expect(threaded.stdout.trim().split("\n")).toEqual(["2", "[11]"]);

    // Without the flag Node 20 cannot run the FMA build; Node 22 and later run it without asking.
    const refused = run(`await init({ wasmBinary: readFileSync("build/zeroconv.relaxed-simd.wasm") });`);
    if (relaxedSimdFlags.length > 0) {
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toMatch(
        /zeroconv: options\.wasmBinary does not validate here\. It needs WebAssembly SIMD/,
      );
    } else {
      expect(refused.stderr).toBe("");
    }
  });

  it("wasmUrl: the builds are looked up beside the given zeroconv.wasm; a missing file is named with the fix", () => {
    const ok = run(`console.log((await init({ wasmUrl: pathToFileURL("build/zeroconv.wasm") })).build); ${product}`);
    expect(ok.stdout.trim().split("\n")).toEqual([autoBuild, "[11]"]);

    const missing = run(`await init({ wasmUrl: pathToFileURL("/no/such/dir/zeroconv.wasm") });`);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/zeroconv: cannot read \/no\/such\/dir\/zeroconv\.relaxed-simd\.wasm/);
  });

  it("refuses both at once, or values of the wrong kind, with a TypeError naming the option", () => {
    const both = run(`await init({ wasmUrl: "file:///x/zeroconv.wasm", wasmBinary: new Uint8Array(8) });`);
    expect(both.stderr).toMatch(/TypeError: init: give options\.wasmUrl or options\.wasmBinary, not both/);
    const kind = run(`await init({ wasmBinary: "zeroconv.wasm" });`);
    expect(kind.stderr).toMatch(
      /TypeError: init: options\.wasmBinary must be an ArrayBuffer or Uint8Array of a zeroconv \.wasm file; got string/,
    );
  });
});
