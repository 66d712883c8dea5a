// The drawing pad: a 28×28 canvas shown enlarged, drawn on with mouse, pen or touch. Strokes go
// onto a hidden canvas ten times finer with a thick round brush and a soft halo; the pad shows
// them averaged down to 28×28, which is what makes them look like MNIST's anti-aliased strokes.
// The pad can also hold a test image, which strokes then draw over.

export const SIDE = 28;
const FINE = 10; // fine pixels per pad pixel
const BRUSH = 2.2 * FINE; // stroke width, in fine pixels
const SOFTNESS = 0.9 * FINE; // blur of the halo

export class DrawPad {
  /** The strokes at FINE×28 pixels a side: white on transparent. */
  readonly strokes: HTMLCanvasElement;
  private readonly fine: CanvasRenderingContext2D;
  private base: Float32Array | null = null;
  private inked = false;
  private last: { x: number; y: number } | null = null;

  /**
   * `onChange(final)` is called at most once per animation frame while a stroke is drawn
   * (final = false) and once when it ends or the pad is set or cleared (final = true).
   */
  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly onChange: (final: boolean) => void,
  ) {
    canvas.width = canvas.height = SIDE;
    this.strokes = document.createElement("canvas");
    this.strokes.width = this.strokes.height = SIDE * FINE;
    this.fine = this.strokes.getContext("2d", { willReadFrequently: true })!;
    canvas.addEventListener("pointerdown", (e) => this.down(e));
    canvas.addEventListener("pointermove", (e) => this.move(e));
    canvas.addEventListener("pointerup", () => this.up());
    canvas.addEventListener("pointercancel", () => this.up());
    this.paint();
  }

  /** Whether the pad holds only strokes (no test image under them). */
  get isDrawing(): boolean {
    return this.base === null;
  }

  /** Whether anything has been drawn since the pad was last set or cleared. */
  get hasInk(): boolean {
    return this.inked;
  }

  /** Shows a test image (784 values in [0, 1]) and drops the strokes. */
  setImage(pixels: Float32Array): void {
    this.base = pixels;
    this.wipe();
  }

  clear(): void {
    this.base = null;
    this.wipe();
  }

  /** What the pad shows: the test image (if any) with the strokes on top, 784 values in [0, 1]. */
  composite(): Float32Array {
    const out = strokeCoverage(this.strokes, 0, 0, this.strokes.width, this.strokes.height, 0, 0, SIDE, SIDE);
    if (this.base !== null) for (let i = 0; i < out.length; i++) out[i] = Math.max(out[i], this.base[i]);
    return out;
  }

  private wipe(): void {
    this.fine.clearRect(0, 0, this.strokes.width, this.strokes.height);
    this.inked = false;
    this.last = null;
    this.paint();
    this.onChange(true);
  }

  private point(e: PointerEvent): { x: number; y: number } {
    const box = this.canvas.getBoundingClientRect();
    return {
      x: ((e.clientX - box.left) / box.width) * this.strokes.width,
      y: ((e.clientY - box.top) / box.height) * this.strokes.height,
    };
  }

  private down(e: PointerEvent): void {
    if (e.button !== 0) return;
    e.preventDefault();
    this.canvas.setPointerCapture(e.pointerId);
    this.last = this.point(e);
    this.line(this.last, this.last);
    this.schedule();
  }

  private move(e: PointerEvent): void {
    if (this.last === null) return;
    // Coalesced events: every position since the last event, so fast strokes stay smooth.
    const events = typeof e.getCoalescedEvents === "function" ? e.getCoalescedEvents() : [];
    for (const c of events.length > 0 ? events : [e]) {
      const p = this.point(c);
      this.line(this.last, p);
      this.last = p;
    }
    this.schedule();
  }

  private up(): void {
    if (this.last === null) return;
    this.last = null;
    this.paint();
    this.onChange(true);
  }

  private line(from: { x: number; y: number }, to: { x: number; y: number }): void {
    const c = this.fine;
    c.strokeStyle = c.shadowColor = "#fff";
    c.lineWidth = BRUSH;
    c.lineCap = c.lineJoin = "round";
    c.shadowBlur = SOFTNESS;
    c.beginPath();
    c.moveTo(from.x, from.y);
    c.lineTo(to.x + 0.01, to.y); // a zero-length line draws no round cap
    c.stroke();
    this.inked = true;
  }

  private frame = 0;

  /** requestAnimationFrame throttling: many pointer events, one repaint and one onChange per frame. */
  private schedule(): void {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      if (this.last === null) return; // the stroke ended first, and up() has repainted
      this.paint();
      this.onChange(false);
    });
  }

  private paint(): void {
    const values = this.composite();
    const image = new ImageData(SIDE, SIDE);
    for (let i = 0; i < values.length; i++) {
      const v = values[i] * 255;
      image.data.set([v, v, v, 255], i * 4);
    }
    this.canvas.getContext("2d")!.putImageData(image, 0, 0);
  }
}

/**
 * The strokes' coverage (alpha) of the source rectangle drawn, smoothly scaled, into the
 * destination rectangle of a 28×28 grid: 784 values in [0, 1].
 */
export function strokeCoverage(
  strokes: HTMLCanvasElement,
  sx: number,
  sy: number,
  sw: number,
  sh: number,
  dx: number,
  dy: number,
  dw: number,
  dh: number,
): Float32Array {
  const small = document.createElement("canvas");
  small.width = small.height = SIDE;
  const c = small.getContext("2d", { willReadFrequently: true })!;
  c.imageSmoothingEnabled = true;
  c.imageSmoothingQuality = "high";
  c.drawImage(strokes, sx, sy, sw, sh, dx, dy, dw, dh);
  const rgba = c.getImageData(0, 0, SIDE, SIDE).data;
  return Float32Array.from({ length: SIDE * SIDE }, (_, i) => rgba[i * 4 + 3] / 255);
}
