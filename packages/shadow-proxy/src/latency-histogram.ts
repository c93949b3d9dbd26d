/**
 * Fixed-size log-scale histogram for latency percentiles: ~4% resolution from 1 µs to hours in
 * 600 counters, so recording is O(1) and memory never grows with traffic.
 */
const BUCKETS = 600;
const SCALE = 25; // buckets per e-fold

export class LatencyHistogram {
  readonly #counts = new Uint32Array(BUCKETS);
  #total = 0;
  #max = 0;

  record(ms: number): void {
    const us = ms > 0 ? ms * 1000 : 0;
    const index = Math.min(BUCKETS - 1, Math.floor(Math.log1p(us) * SCALE));
    this.#counts[index] = (this.#counts[index] as number) + 1;
    this.#total++;
    if (ms > this.#max) this.#max = ms;
  }

  get count(): number {
    return this.#total;
  }

  /** The p-th percentile in ms (upper edge of its bucket, capped at the max seen), NaN when empty. */
  percentile(p: number): number {
    if (this.#total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i] as number;
      if (seen >= rank) return Math.min(this.#max, Math.expm1((i + 1) / SCALE) / 1000);
    }
    return this.#max;
  }

  reset(): void {
    this.#counts.fill(0);
    this.#total = 0;
    this.#max = 0;
  }
}
