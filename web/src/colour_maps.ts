// Colour maps: a value t in [0, 1] to an RGB colour, by linear steps between a few stops.

export type Rgb = readonly [number, number, number];
export type ColourMap = (t: number) => Rgb;

function hex(h: string): Rgb {
  return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
}

function stops(colours: string[]): ColourMap {
  const rgb = colours.map(hex);
  const n = rgb.length - 1;
  return (t) => {
    const x = Math.min(1, Math.max(0, Number.isNaN(t) ? 0 : t)) * n;
    const i = Math.min(n - 1, Math.floor(x)),
      f = x - i;
    const a = rgb[i],
      b = rgb[i + 1];
    return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
  };
}

/** Black to white (matplotlib's "gray"): the MNIST images as the book shows them. */
export const grey: ColourMap = (t) => {
  const v = Math.min(1, Math.max(0, Number.isNaN(t) ? 0 : t)) * 255;
  return [v, v, v];
};

/** Blue below the middle, white at it, red above (matplotlib's "RdBu_r"): signed weights and responses. */
export const diverging: ColourMap = stops([
  "#053061",
  "#2166ac",
  "#4393c3",
  "#92c5de",
  "#d1e5f0",
  "#f7f7f7",
  "#fddbc7",
  "#f4a582",
  "#d6604d",
  "#b2182b",
  "#67001f",
]);

/** Black through purple and orange to pale yellow (matplotlib's "inferno"): activations >= 0. */
export const inferno: ColourMap = stops(["#000004", "#420a68", "#932667", "#dd513a", "#fca50a", "#fcffa4"]);
