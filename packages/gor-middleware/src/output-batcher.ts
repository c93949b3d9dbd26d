import type { Writable } from 'node:stream';

/**
 * Collects output pieces and writes them with one writev per batch. Consecutive slices of the same
 * input chunk are merged, so an unchanged run of lines goes out as one slice of the bytes read.
 */
export class OutputBatcher {
  readonly #out: Writable;
  #parts: Buffer[] = [];
  #runBuf: Buffer | undefined;
  #runStart = 0;
  #runEnd = 0;

  constructor(out: Writable) {
    this.#out = out;
  }

  /** Queue bytes [start, end) of `buf` (merged with the previous slice when adjacent). */
  slice(buf: Buffer, start: number, end: number): void {
    if (this.#runBuf === buf && this.#runEnd === start) {
      this.#runEnd = end;
      return;
    }
    this.#closeRun();
    this.#runBuf = buf;
    this.#runStart = start;
    this.#runEnd = end;
  }

  push(piece: Buffer): void {
    this.#closeRun();
    this.#parts.push(piece);
  }

  pushAll(pieces: readonly Buffer[]): void {
    this.#closeRun();
    for (const piece of pieces) this.#parts.push(piece);
  }

  get empty(): boolean {
    return this.#runBuf === undefined && this.#parts.length === 0;
  }

  /** Write what is queued; returns the stream's buffered byte count afterwards. */
  flush(): number {
    this.#closeRun();
    const parts = this.#parts;
    if (parts.length === 0) return this.#out.writableLength;
    this.#parts = [];
    if (parts.length === 1) this.#out.write(parts[0]);
    else {
      this.#out.cork();
      for (const part of parts) this.#out.write(part);
      this.#out.uncork();
    }
    return this.#out.writableLength;
  }

  #closeRun(): void {
    if (this.#runBuf === undefined) return;
    this.#parts.push(
      this.#runStart === 0 && this.#runEnd === this.#runBuf.length
        ? this.#runBuf
        : this.#runBuf.subarray(this.#runStart, this.#runEnd),
    );
    this.#runBuf = undefined;
  }
}
