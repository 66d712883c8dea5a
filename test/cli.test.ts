// The `zeroconv` command as a user runs it: the built dist/cli.js in a child process (npm test
// builds first). The demo writes every picture and the page; mistakes end in one line, no stack.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { needs, paramsPath } from "./requirements.js";
import { wasmFlags } from "./util.js";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "zeroconv-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function zeroconv(...args: string[]) {
  const run = spawnSync(process.execPath, [...wasmFlags, cli, ...args], { encoding: "utf8", timeout: 120_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe("zeroconv demo", () => {
  it("runs the memo's walk through on MNIST and writes every picture and out/index.html", () => {
    const out = join(dir, "demo");
    const run = zeroconv("demo", "--out", out);
    expect(run.status, run.stderr).toBe(0);
    for (const line of [
      "input.shape = [1, 1, 28, 28]",
      "filter.shape = [1, 1, 5, 5]",
      "convolution.shape = [1, 1, 24, 24]",
      "pooling.shape = [1, 1, 12, 12]",
      "all elements are same = true",
    ])
      expect(run.stdout).toContain(line);
    expect(run.stdout).toMatch(/kernel order: [\d.]+ µs per call/);
    expect(run.stdout).toMatch(/output order: [\d.]+ µs per call/);
    const accuracy = Number(/test accuracy: ([\d.]+)% of 10000 images/.exec(run.stdout)?.[1]);
    expect(accuracy).toBeGreaterThanOrEqual(98.8);
    const html = readFileSync(join(out, "index.html"), "utf8");
    const files = [...html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]);
    expect(files).toEqual(
      expect.arrayContaining([
        "input.png",
        "filter.png",
        "convolution.png",
        "pooling.png",
        "filters.png",
        "im2col_kernel_order_slices.png",
        "im2col_output_order_windows.png",
        "im2col_kernel_order_matrix.png",
        "im2col_output_order_matrix.png",
      ]),
    );
    for (const f of files) {
      const bytes = readFileSync(join(out, f));
      expect(Array.from(bytes.subarray(0, 8)), f).toEqual(PNG_SIGNATURE);
      // IHDR's width and height: every stage is upscaled to at least 100 pixels across.
      expect(bytes.readUInt32BE(16), f).toBeGreaterThanOrEqual(100);
    }
  });

  const book = needs("test/cli.test.ts", "zeroconv eval takes the book's params.pkl with --params", { params: true });
  it.skipIf(book.skip)(book.title, () => {
    const run = zeroconv("eval", "--params", paramsPath);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/test accuracy: 96\.00% \(9600 of 10000\)/);
  });
});

describe("zeroconv CLI errors and help", () => {
  it("prints help for the tool and every command", () => {
    const main = zeroconv("--help");
    expect(main.status).toBe(0);
    for (const c of ["demo", "train", "eval", "bench"]) {
      expect(main.stdout).toContain(`  ${c}`);
      const help = zeroconv(c, "--help");
      expect(help.status).toBe(0);
      expect(help.stdout).toContain(`usage: zeroconv ${c}`);
    }
  });

  it.each([
    [["nonsense"], 2, /^zeroconv: unknown command "nonsense"; commands: demo, train, eval, bench/],
    [["train", "--bogus"], 2, /^zeroconv train: Unknown option '--bogus' \(see zeroconv train --help\)/],
    [["train", "--epochs", "0"], 2, /^zeroconv train: --epochs must be a positive integer; got "0"/],
    [["eval", "--batch-size", "many"], 2, /^zeroconv eval: --batch-size must be a positive integer/],
    [["eval", "extra"], 2, /^zeroconv eval: unexpected argument "extra"/],
    [["eval", "--params", "/no/such/weights.pkl"], 1, /^zeroconv eval: \/no\/such\/weights\.pkl: cannot be read/],
    [["eval", "--params", "weights.txt"], 1, /^zeroconv eval: .*cannot tell the format of "weights\.txt"/],
  ])("zeroconv %j exits %i with one line", (args, status, message) => {
    const run = zeroconv(...args);
    expect(run.status).toBe(status);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("rejects a damaged weights file with the file's name", () => {
    const bad = join(dir, "bad.safetensors");
    writeFileSync(bad, new Uint8Array([1, 2, 3]));
    const run = zeroconv("eval", "--params", bad);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(bad);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });
});
