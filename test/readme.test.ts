import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { wasmFlags } from "./util.js";

// The README's examples are run as they are written, against the built package ("zeroconv"
// resolves to dist/ through the package's own exports), and each `// →` comment must be the line
// the example prints at that point.
const root = new URL("../", import.meta.url);
const readme = readFileSync(new URL("README.md", root), "utf8");
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
const dir = new URL("out/readme/", root);

describe("README examples", () => {
  it("has examples", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(10);
  });

  it.each(blocks.map((code, i) => [i + 1, code.split("\n").find((l) => l.startsWith("import")) ?? "", code]))(
    "example %i (%s) prints what its comments say",
    (i, _imports, code) => {
      const expected = [...(code as string).matchAll(/\/\/ → (.*)$/gm)].map((m) => m[1]);
      expect(expected.length, "every example states what it prints").toBeGreaterThan(0);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const file = new URL(`example-${i}.mjs`, dir);
      writeFileSync(file, code as string);
      const out = execFileSync(process.execPath, [...wasmFlags, file.pathname], { encoding: "utf8" });
      expect(out.trimEnd().split("\n")).toEqual(expected);
    },
  );
});
