import { createHash } from 'node:crypto';

/**
 * Which requests are shadowed: a percentage, either random per request or sticky by a header value
 * (the same user, session or tenant is always in or always out, so their flows compare end to end).
 */
export class Sampler {
  readonly #rate: number;
  readonly #header: string | undefined;

  constructor(ratePercent: number, header: string | undefined) {
    this.#rate = ratePercent;
    this.#header = header;
  }

  /** True when every request is sampled (the hot path skips the call). */
  get all(): boolean {
    return this.#rate >= 100;
  }

  sampled(rawHeaders: readonly string[]): boolean {
    if (this.#rate >= 100) return true;
    if (this.#rate <= 0) return false;
    if (this.#header !== undefined) {
      const value = headerValue(rawHeaders, this.#header);
      // No value to stick to: fall back to a random decision.
      if (value !== undefined) return bucketOf(value) < this.#rate * 100;
    }
    return Math.random() * 100 < this.#rate;
  }
}

/** A stable bucket 0..9999 for a header value. */
export function bucketOf(value: string): number {
  return createHash('sha1').update(value).digest().readUInt32BE(0) % 10_000;
}

function headerValue(rawHeaders: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === lowerName) return rawHeaders[i + 1];
  }
  return undefined;
}
