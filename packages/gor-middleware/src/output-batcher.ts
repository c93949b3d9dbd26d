import type { Writable } from 'node:stream';

/**
 * Collects output and writes it with few, large writes. Consecutive slices of the same input chunk
 * are merged (an unchanged run of lines goes out as one slice of the bytes read, no copy); small
 * pieces (re-encoded lines) are copied into a scratch buffer so a batch is a handful of writes,
 * not one per piece. A scratch region, once handed to the stream, is not written again until the
 * stream has taken it: a full scratch buffer is reused once the flush that wrote its last bytes
 * completes. Fresh memory costs a page fault per 4 KiB on first write, which measured more than
 * the hex encoding itself when every output line is re-encoded.
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
  #scratchStart = 0;
  #used = 0;
  /** Full scratch buffers whose last bytes go out with the next flush. */
  #retired: Buffer[] = [];
  /** Scratch buffers the stream has taken everything from. */
  readonly #spare: Buffer[] = [];
  readonly #maxSpare: number;

  /**
   * `spareBytes`: scratch memory kept for reuse once written. The engine passes its output buffer
   * limit: output waiting in the stream already holds that much at its peak, and input resumes only
   * once it has all drained, so every buffer of a full cycle is needed again right after.
   */
  constructor(out: Writable, spareBytes = 0) {
    this.#out = out;
    this.#maxSpare = Math.floor(spareBytes / SCRATCH_BYTES);
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
      if (this.#scratch.length === SCRATCH_BYTES) this.#retired.push(this.#scratch);
      this.#scratch =
        (bytes <= SCRATCH_BYTES ? this.#spare.pop() : undefined) ??
        Buffer.allocUnsafeSlow(Math.max(SCRATCH_BYTES, bytes));
      this.#scratchStart = 0;
      this.#used = 0;
    }
    return this.#used;
  }

  get scratch(): Buffer {
    return this.#scratch;
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
    // Writes complete in order: when the last one's callback runs, the stream has taken every
    // byte of the buffers retired before this flush.
    const retired = this.#retired;
    let done: (() => void) | undefined;
    if (retired.length > 0) {
      this.#retired = [];
      done = () => {
        for (const scratch of retired) if (this.#spare.length < this.#maxSpare) this.#spare.push(scratch);
      };
    }
    const last = parts.length - 1;
    if (last === 0) this.#out.write(parts[0], done);
    else {
      this.#out.cork();
      for (let i = 0; i < last; i++) this.#out.write(parts[i]);
      this.#out.write(parts[last], done);
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
