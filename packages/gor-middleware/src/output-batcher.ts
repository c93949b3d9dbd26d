import type { Writable } from 'node:stream';

/**
 * Collects output and writes it with few, large writes. Consecutive slices of the same input chunk
 * are merged (an unchanged run of lines goes out as one slice of the bytes read, no copy); small
 * pieces (re-encoded lines) are copied into a scratch buffer so a batch is a handful of writes,
 * not one per piece. A scratch region, once handed to the stream, is never written again.
 */
const SCRATCH_BYTES = 256 * 1024;
const COPY_BELOW = 8 * 1024;

export class OutputBatcher {
  readonly #out: Writable;
  #parts: Buffer[] = [];
  #runBuf: Buffer | undefined;
  #runStart = 0;
  #runEnd = 0;
  #scratch: Buffer = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  #scratch16 = new Uint16Array(this.#scratch.buffer, 0, this.#scratch.buffer.byteLength >> 1);
  #scratchStart = 0;
  #used = 0;

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
    this.#commitScratch();
    this.#runBuf = buf;
    this.#runStart = start;
    this.#runEnd = end;
  }

  /** Queue a piece (small ones are copied, so the caller may reuse nothing; large ones are kept). */
  push(piece: Buffer): void {
    if (piece.length < COPY_BELOW) {
      const at = this.reserve(piece.length);
      piece.copy(this.#scratch, at);
      this.#used = at + piece.length;
      return;
    }
    this.#closeRun();
    this.#commitScratch();
    this.#parts.push(piece);
  }

  /**
   * Room for `bytes` bytes in the scratch buffer: returns the offset to write at in `scratch`;
   * the caller writes, then calls commit(offset + bytes).
   */
  reserve(bytes: number): number {
    this.#closeRun();
    if (this.#used + bytes > this.#scratch.length) {
      this.#commitScratch();
      this.#scratch = Buffer.allocUnsafeSlow(Math.max(SCRATCH_BYTES, bytes));
      this.#scratch16 = new Uint16Array(this.#scratch.buffer, 0, this.#scratch.buffer.byteLength >> 1);
      this.#scratchStart = 0;
      this.#used = 0;
    }
    return this.#used;
  }

  get scratch(): Buffer {
    return this.#scratch;
  }

  /** The scratch memory as 16-bit words (for two-digit hex stores). */
  get scratch16(): Uint16Array {
    return this.#scratch16;
  }

  commit(end: number): void {
    this.#used = end;
  }

  get empty(): boolean {
    return this.#runBuf === undefined && this.#parts.length === 0 && this.#used === this.#scratchStart;
  }

  /** Write what is queued; returns the stream's buffered byte count afterwards. */
  flush(): number {
    this.#closeRun();
    this.#commitScratch();
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

  #commitScratch(): void {
    if (this.#used === this.#scratchStart) return;
    this.#parts.push(this.#scratch.subarray(this.#scratchStart, this.#used));
    this.#scratchStart = this.#used;
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
