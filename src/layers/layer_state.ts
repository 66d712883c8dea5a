/**
 * What every layer tracks between calls: whether it was disposed, and what its last forward saw
 * (backward needs it). Backward before forward, or any call after dispose(), is a TypeError: the
 * object is in the wrong state, as with a locked stream.
 */
export class LayerState<T> {
  private seen: T | null = null;
  private disposed = false;

  constructor(private readonly layer: string) {}

  checkAlive(fn: string): void {
    if (this.disposed) throw new TypeError(`${fn}: this ${this.layer} was disposed`);
  }

  /** Called before a forward starts, so a forward that throws leaves no stale state for backward. */
  forget(): void {
    this.seen = null;
  }

  remember(value: T): void {
    this.seen = value;
  }

  /** What the last forward saw; throws when there was none. */
  last(fn: string): T {
    this.checkAlive(fn);
    if (this.seen === null) throw new TypeError(`${fn}: call forward() before backward()`);
    return this.seen;
  }

  dispose(): void {
    this.seen = null;
    this.disposed = true;
  }
}
