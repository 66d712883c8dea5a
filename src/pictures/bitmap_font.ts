// A 5x7 bitmap font for plot labels, drawn here so the plots need no font files or canvas.
// Every glyph is 7 rows of 5 columns ('#' ink, '.' none). Capitals and digits sit on rows 0..6 of
// a 9-row line; lower case has its x-height on rows 2..6, and g p q y are drawn 2 rows lower so
// their tails hang into rows 7..8 (their bitmaps hold the bowl in rows 0..4 and the tail in 5..6).

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
/** Rows below the baseline that descenders use: a line of text is GLYPH_HEIGHT + DESCENT rows tall. */
export const DESCENT = 2;
/** Columns from one character to the next (one blank column between glyphs). */
export const ADVANCE = GLYPH_WIDTH + 1;

export interface Glyph {
  rows: readonly string[];
  /** Rows the bitmap is drawn below the top of the line (2 for descenders, else 0). */
  drop: number;
}

const g = (s: string): readonly string[] => s.trim().split(/\s+/);

const GLYPHS: Record<string, readonly string[]> = {
  " ": g("..... ..... ..... ..... ..... ..... ....."),
  "0": g(".###. #...# #..## #.#.# ##..# #...# .###."),
  "1": g("..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###."),
  "2": g(".###. #...# ....# ...#. ..#.. .#... #####"),
  "3": g("##### ...#. ..#.. ...#. ....# #...# .###."),
  "4": g("...#. ..##. .#.#. #..#. ##### ...#. ...#."),
  "5": g("##### #.... ####. ....# ....# #...# .###."),
  "6": g("..##. .#... #.... ####. #...# #...# .###."),
  "7": g("##### ....# ...#. ..#.. .#... .#... .#..."),
  "8": g(".###. #...# #...# .###. #...# #...# .###."),
  "9": g(".###. #...# #...# .#### ....# ...#. .##.."),
  ".": g("..... ..... ..... ..... ..... .##.. .##.."),
  ",": g("..... ..... ..... ..... .##.. ..#.. .#..."),
  "-": g("..... ..... ..... .###. ..... ..... ....."),
  "+": g("..... ..#.. ..#.. ##### ..#.. ..#.. ....."),
  "=": g("..... ..... ##### ..... ##### ..... ....."),
  _: g("..... ..... ..... ..... ..... ..... #####"),
  ":": g("..... .##.. .##.. ..... .##.. .##.. ....."),
  "%": g("##... ##..# ...#. ..#.. .#... #..## ...##"),
  "/": g("..... ....# ...#. ..#.. .#... #.... ....."),
  "(": g("...#. ..#.. .#... .#... .#... ..#.. ...#."),
  ")": g(".#... ..#.. ...#. ...#. ...#. ..#.. .#..."),
  "'": g("..#.. ..#.. .#... ..... ..... ..... ....."),
  "?": g(".###. #...# ....# ...#. ..#.. ..... ..#.."),
  A: g(".###. #...# #...# ##### #...# #...# #...#"),
  B: g("####. #...# #...# ####. #...# #...# ####."),
  C: g(".###. #...# #.... #.... #.... #...# .###."),
  D: g("###.. #..#. #...# #...# #...# #..#. ###.."),
  E: g("##### #.... #.... ####. #.... #.... #####"),
  F: g("##### #.... #.... ####. #.... #.... #...."),
  G: g(".###. #...# #.... #.### #...# #...# .####"),
  H: g("#...# #...# #...# ##### #...# #...# #...#"),
  I: g(".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###."),
  J: g("..### ...#. ...#. ...#. ...#. #..#. .##.."),
  K: g("#...# #..#. #.#.. ##... #.#.. #..#. #...#"),
  L: g("#.... #.... #.... #.... #.... #.... #####"),
  M: g("#...# ##.## #.#.# #.#.# #...# #...# #...#"),
  N: g("#...# #...# ##..# #.#.# #..## #...# #...#"),
  O: g(".###. #...# #...# #...# #...# #...# .###."),
  P: g("####. #...# #...# ####. #.... #.... #...."),
  Q: g(".###. #...# #...# #...# #.#.# #..#. .##.#"),
  R: g("####. #...# #...# ####. #.#.. #..#. #...#"),
  S: g(".#### #.... #.... .###. ....# ....# ####."),
  T: g("##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#.."),
  U: g("#...# #...# #...# #...# #...# #...# .###."),
  V: g("#...# #...# #...# #...# #...# .#.#. ..#.."),
  W: g("#...# #...# #...# #.#.# #.#.# #.#.# .#.#."),
  X: g("#...# #...# .#.#. ..#.. .#.#. #...# #...#"),
  Y: g("#...# #...# .#.#. ..#.. ..#.. ..#.. ..#.."),
  Z: g("##### ....# ...#. ..#.. .#... #.... #####"),
  a: g("..... ..... .###. ....# .#### #...# .####"),
  b: g("#.... #.... #.##. ##..# #...# #...# ####."),
  c: g("..... ..... .###. #.... #.... #...# .###."),
  d: g("....# ....# .##.# #..## #...# #...# .####"),
  e: g("..... ..... .###. #...# ##### #.... .###."),
  f: g("..##. .#..# .#... ###.. .#... .#... .#..."),
  g: g(".#### #...# #...# #...# .#### ....# .###."),
  h: g("#.... #.... #.##. ##..# #...# #...# #...#"),
  i: g("..#.. ..... .##.. ..#.. ..#.. ..#.. .###."),
  j: g("...#. ..... ..##. ...#. ...#. #..#. .##.."),
  k: g("#.... #.... #..#. #.#.. ##... #.#.. #..#."),
  l: g(".##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###."),
  m: g("..... ..... ##.#. #.#.# #.#.# #...# #...#"),
  n: g("..... ..... #.##. ##..# #...# #...# #...#"),
  o: g("..... ..... .###. #...# #...# #...# .###."),
  p: g("####. #...# #...# #...# ####. #.... #...."),
  q: g(".#### #...# #...# #...# .#### ....# ....#"),
  r: g("..... ..... #.##. ##..# #.... #.... #...."),
  s: g("..... ..... .###. #.... .###. ....# ####."),
  t: g(".#... .#... ###.. .#... .#... .#..# ..##."),
  u: g("..... ..... #...# #...# #...# #..## .##.#"),
  v: g("..... ..... #...# #...# #...# .#.#. ..#.."),
  w: g("..... ..... #...# #...# #.#.# #.#.# .#.#."),
  x: g("..... ..... #...# .#.#. ..#.. .#.#. #...#"),
  y: g("#...# #...# #...# #...# .#### ....# .###."),
  z: g("..... ..... ##### ...#. ..#.. .#... #####"),
};

const DESCENDERS = new Set(["g", "p", "q", "y"]);

/** The glyph of `ch`; characters the font lacks are drawn as '?' rather than silently dropped. */
export function glyph(ch: string): Glyph {
  const rows = GLYPHS[ch];
  if (rows === undefined) return { rows: GLYPHS["?"], drop: 0 };
  return { rows, drop: DESCENDERS.has(ch) ? DESCENT : 0 };
}

/** Width in pixels of `text` at `scale` (no trailing blank column). */
export function textWidth(text: string, scale: number): number {
  const n = [...text].length;
  return n === 0 ? 0 : (n * ADVANCE - 1) * scale;
}

/** Height in pixels of one line of text at `scale`, descenders included. */
export const lineHeight = (scale: number): number => (GLYPH_HEIGHT + DESCENT) * scale;

/**
 * Calls `ink(x, y)` for every inked pixel of `text` at integer `scale`, with (0, 0) the top-left of
 * the line (the top of the capitals). Callers place, rotate and colour the pixels themselves.
 */
export function rasterize(text: string, scale: number, ink: (x: number, y: number) => void): void {
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`scale must be a positive integer, got ${scale}`);
  let left = 0;
  for (const ch of text) {
    const { rows, drop } = glyph(ch);
    for (let r = 0; r < GLYPH_HEIGHT; r++) {
      for (let c = 0; c < GLYPH_WIDTH; c++) {
        if (rows[r][c] !== "#") continue;
        for (let dy = 0; dy < scale; dy++)
          for (let dx = 0; dx < scale; dx++) ink(left + c * scale + dx, (r + drop) * scale + dy);
      }
    }
    left += ADVANCE * scale;
  }
}
