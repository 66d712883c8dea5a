// What some tests need from outside the repository: the book's weights in ../shared and python3
// with NumPy. A test that lacks one is skipped with a title that says why, and says it on the
// console too, since not every reporter prints a skipped test's title.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const paramsPath = fileURLToPath(new URL("../../shared/fixtures/params.pkl", import.meta.url));
const hasParams = existsSync(paramsPath);
const probe = spawnSync("python3", ["-c", "import numpy"], { encoding: "utf8" });
const hasNumpy = probe.status === 0;
// The last stderr line is the ImportError itself, not the traceback's header.
const numpyMissing = `python3 with numpy not available (${probe.error?.message ?? probe.stderr.trim().split("\n").pop()})`;

/** `title` when every need is met; otherwise skip, with a "skipped: …" title naming what is missing. */
export function needs(
  file: string,
  title: string,
  what: { params?: boolean; numpy?: boolean },
): { title: string; skip: boolean } {
  const missing =
    what.params && !hasParams
      ? "../shared/fixtures/params.pkl not found (a clone outside the project)"
      : what.numpy && !hasNumpy
        ? numpyMissing
        : null;
  if (missing === null) return { title, skip: false };
  const skipped = `skipped: ${missing}: ${title}`;
  console.warn(`${file}: ${skipped}`);
  return { title: skipped, skip: true };
}
