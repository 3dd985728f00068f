/**
 * A first-in first-out queue bounded twice: by entries (`capacity`) and by bytes
 * (`maxBytes`, as `sizeOf` counts them). Making room drops the oldest entries first and
 * hands each to `onDrop`, so the caller can count what was lost; an entry larger than
 * `maxBytes` on its own is dropped at once. Bytes are what matter for memory (one raw
 * frame of 64 channels can weigh as much as a thousand events), the entry count bounds
 * the ring.
 */
export class BoundedQueue<T> {
  private readonly items: (T | undefined)[];
  private readonly sizes: Float64Array;
  private head = 0;
  private count = 0;
  private byteCount = 0;

  constructor(
    readonly capacity: number,
    readonly maxBytes: number,
    private readonly sizeOf: (item: T) => number,
    private readonly onDrop: (item: T) => void = () => undefined,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`queue capacity must be a whole number >= 1, got ${capacity}`);
    if (!(maxBytes >= 1)) throw new Error(`queue maxBytes must be >= 1, got ${maxBytes}`);
    this.items = new Array<T | undefined>(capacity);
    this.sizes = new Float64Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  /** Bytes held now; never more than maxBytes. */
  get bytes(): number {
    return this.byteCount;
  }

  /** Adds `item`, dropping the oldest entries (or the item itself if it alone is too big) to stay within both bounds. */
  push(item: T): void {
    const size = this.sizeOf(item);
    if (size > this.maxBytes) {
      this.onDrop(item);
      return;
    }
    while (this.count === this.capacity || this.byteCount + size > this.maxBytes) {
      const dropped = this.shift();
      if (dropped === undefined) break;
      this.onDrop(dropped);
    }
    const at = (this.head + this.count) % this.capacity;
    this.items[at] = item;
    this.sizes[at] = size;
    this.count++;
    this.byteCount += size;
  }

  /** The oldest entry, without taking it. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.byteCount -= this.sizes[this.head];
    this.items[this.head] = undefined;
    this.sizes[this.head] = 0;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return item;
  }
}
