// Float data (images, filters, feature maps) to 8-bit greyscale pictures, laid out for PNG output.
// Pure TypeScript: no Node imports, so it could run in a browser too.

export interface GreyImage {
  width: number;
  height: number;
  /** Row-major, one byte per pixel. */
  pixels: Uint8Array;
}

export interface GreyOptions {
  /** Value drawn black (white with `invert`); default: the smallest finite value in the data. */
  min?: number;
  /** Value drawn white (black with `invert`); default: the largest finite value in the data. */
  max?: number;
  /** Large values dark, as matplotlib's 'gray_r' that the book's visualize_filter uses. */
  invert?: boolean;
}

function positiveInteger(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
}

/**
 * Maps `values` (row-major, width*height of them) linearly onto 0..255, min to black and max to white
 * like matplotlib's 'gray' colormap. Values outside [min, max] are clamped; NaN is drawn 0; when
 * min equals max (constant data, say) the values equal to it are drawn mid-grey 128.
 */
export function greyImage(values: ArrayLike<number>, width: number, height: number, opts: GreyOptions = {}): GreyImage {
  positiveInteger("width", width);
  positiveInteger("height", height);
  if (values.length !== width * height) {
    throw new RangeError(
      `values has length ${values.length}, expected width*height = ${width}*${height} = ${width * height}`,
    );
  }
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // Infinities would make every finite value map to one end, so only finite values set the range.
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo > hi) lo = hi = 0; // nothing finite: any range will do
  const min = opts.min ?? lo,
    max = opts.max ?? hi;
  if (!(min <= max)) throw new RangeError(`min (${min}) must not exceed max (${max})`);

  const span = max - min;
  const pixels = new Uint8Array(width * height);
  for (let i = 0; i < pixels.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue; // stays 0
    if (span === 0 && v === min) {
      pixels[i] = 128;
      continue;
    } // mid-grey either way round
    const p = span === 0 ? (v < min ? 0 : 255) : Math.round(Math.min(1, Math.max(0, (v - min) / span)) * 255);
    pixels[i] = opts.invert ? 255 - p : p;
  }
  return { width, height, pixels };
}

/** Each pixel repeated `factor` times across and down: small feature maps become visible. */
export function upscale(img: GreyImage, factor: number): GreyImage {
  positiveInteger("factor", factor);
  const width = img.width * factor,
    height = img.height * factor;
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const src = Math.floor(y / factor) * img.width;
    for (let x = 0; x < width; x++) pixels[y * width + x] = img.pixels[src + Math.floor(x / factor)];
  }
  return { width, height, pixels };
}

/**
 * The tiles in row-major order, `columns` to a row (fewer if there are fewer tiles), `gap` pixels of
 * `background` between neighbours and none around the edge. The last row may be short; its empty
 * cells are background.
 */
export function tileGrid(tiles: GreyImage[], columns: number, gap: number, background = 255): GreyImage {
  if (tiles.length === 0) throw new RangeError("tiles must not be empty");
  positiveInteger("columns", columns);
  if (!Number.isInteger(gap) || gap < 0) throw new RangeError(`gap must be a non-negative integer, got ${gap}`);
  if (!Number.isInteger(background) || background < 0 || background > 255) {
    throw new RangeError(`background must be an integer in 0..255, got ${background}`);
  }
  const { width: tw, height: th } = tiles[0];
  tiles.forEach((t, i) => {
    if (t.width !== tw || t.height !== th)
      throw new RangeError(`tiles[${i}] is ${t.width}x${t.height}, tiles[0] is ${tw}x${th}`);
  });
  const cols = Math.min(columns, tiles.length),
    rows = Math.ceil(tiles.length / cols);
  const width = cols * tw + (cols - 1) * gap,
    height = rows * th + (rows - 1) * gap;
  const pixels = new Uint8Array(width * height).fill(background);
  tiles.forEach((t, i) => {
    const left = (i % cols) * (tw + gap),
      top = Math.floor(i / cols) * (th + gap);
    for (let y = 0; y < th; y++) pixels.set(t.pixels.subarray(y * tw, (y + 1) * tw), (top + y) * width + left);
  });
  return { width, height, pixels };
}
