import type { Hash } from 'node:crypto';
import { createHash } from 'node:crypto';

/**
 * Keeps the first `cap` bytes of a body for comparison and a streaming sha256 of all of it. The
 * hash starts only when the cap is crossed (small bodies hash their kept bytes at the end), so the
 * common case does no extra work per chunk.
 */
export class Capture {
  readonly #cap: number;
  #chunks: Buffer[] = [];
  #kept = 0;
  #total = 0;
  #hash: Hash | undefined;
  #digest: string | undefined;

  constructor(cap: number) {
    this.#cap = cap;
  }

  push(chunk: Buffer): void {
    this.#total += chunk.length;
    if (this.#hash !== undefined) {
      this.#hash.update(chunk);
      return;
    }
    if (this.#kept + chunk.length <= this.#cap) {
      this.#chunks.push(chunk);
      this.#kept += chunk.length;
      return;
    }
    // Crossing the cap: keep what fits, hash everything from the start from now on.
    this.#hash = createHash('sha256');
    for (const kept of this.#chunks) this.#hash.update(kept);
    const room = this.#cap - this.#kept;
    if (room > 0) {
      this.#chunks.push(chunk.subarray(0, room));
      this.#kept += room;
    }
    this.#hash.update(chunk);
  }

  get bytes(): number {
    return this.#total;
  }

  get truncated(): boolean {
    return this.#total > this.#kept;
  }

  /** The kept bytes (the whole body when not truncated). */
  body(): Buffer {
    if (this.#chunks.length !== 1) this.#chunks = [Buffer.concat(this.#chunks, this.#kept)];
    return this.#chunks[0] as Buffer;
  }

  sha256(): string {
    if (this.#digest === undefined) {
      this.#digest =
        this.#hash === undefined ? createHash('sha256').update(this.body()).digest('hex') : this.#hash.digest('hex');
    }
    return this.#digest;
  }
}
