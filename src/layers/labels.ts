import { describe, formatShape, type TensorLike } from "../tensor/tensor.js";
import { checkTensor } from "../tensor/validate.js";

/** Class indices (one per row), or one-hot rows as a [rows, classes] tensor, as the book takes `t`. */
export type Labels = Uint8Array | Int32Array | ArrayLike<number> | TensorLike;

export interface CheckedLabels {
  /** The class of each row: the index itself, or the first largest entry of a one-hot row (the book's argmax). */
  indices: Int32Array;
  /** Dense targets for backward's (y - t): the one-hot rows as given, or built from the indices. */
  targets: Float32Array;
}

/** Validates `t` against `rows` rows of `classes` scores. */
export function checkLabels(fn: string, name: string, t: unknown, rows: number, classes: number): CheckedLabels {
  if (t !== null && typeof t === "object" && "shape" in t) return fromOneHot(fn, name, t, rows, classes);
  if (
    t === null ||
    typeof t !== "object" ||
    typeof (t as ArrayLike<unknown>).length !== "number" ||
    t instanceof Float32Array ||
    t instanceof Float64Array
  ) {
    throw new TypeError(
      `${fn}: ${name} must be class indices (Uint8Array, Int32Array or an array of integers) or one-hot rows ` +
        `{ shape: [${rows}, ${classes}], data }; got ${describe(t)}`,
    );
  }
  const items = t as ArrayLike<unknown>;
  if (items.length !== rows) {
    throw new RangeError(
      `${fn}: ${name} has ${items.length} labels but x has ${rows} images; give one class index per image`,
    );
  }
  const indices = new Int32Array(rows);
  const targets = new Float32Array(rows * classes);
  for (let i = 0; i < rows; i++) {
    const v = items[i];
    if (typeof v !== "number") throw new TypeError(`${fn}: ${name}[${i}] must be a class index; got ${describe(v)}`);
    if (!Number.isInteger(v) || v < 0 || v >= classes) {
      throw new RangeError(`${fn}: ${name}[${i}] must be a class index in 0..${classes - 1}; got ${v}`);
    }
    indices[i] = v;
    targets[i * classes + v] = 1;
  }
  return { indices, targets };
}

function fromOneHot(fn: string, name: string, t: object, rows: number, classes: number): CheckedLabels {
  const shape = checkTensor(fn, name, t, ["rows", "classes"]);
  if (shape[0] !== rows || shape[1] !== classes) {
    throw new RangeError(
      `${fn}: one-hot ${name} must have shape ${formatShape([rows, classes])}, one row per image; got ${formatShape(shape)}`,
    );
  }
  const targets = Float32Array.from((t as TensorLike).data);
  const indices = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (targets[i * classes + c] > targets[i * classes + best]) best = c;
    indices[i] = best;
  }
  return { indices, targets };
}
