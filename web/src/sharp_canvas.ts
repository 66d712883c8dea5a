// A canvas drawn in CSS pixels but backed by the device's pixels, so that lines and text stay
// sharp on a high-density screen.

/** Sizes the canvas to width×height CSS pixels (its height follows from its width) and returns its context, scaled. */
export function sharpContext(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const dpr = Math.max(1, Math.round(globalThis.devicePixelRatio || 1));
  if (canvas.width !== width * dpr) {
    canvas.width = width * dpr;
    canvas.height = height * dpr;
    canvas.style.width = `${width}px`;
  }
  const ctx = canvas.getContext("2d")!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}
