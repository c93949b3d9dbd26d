/**
 * One seeded PRNG for every fault decision: xoshiro128** seeded through splitmix32. `fork(n)` gives
 * connection n its own deterministic sub-stream, so the same seed gives the same decisions however
 * connections interleave.
 */
export interface Prng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, bound). */
  int(bound: number): number;
  /** A deterministic independent stream for sub-stream `index` (e.g. the connection number). */
  fork(index: number): Prng;
  readonly seed: number;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

export function createPrng(seed: number): Prng {
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  if ((a | b | c | d) === 0) a = 1;
  const nextU32 = () => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  return {
    seed,
    next: () => nextU32() / 0x1_0000_0000,
    int: (bound) => Math.floor((nextU32() / 0x1_0000_0000) * bound),
    // Mix the parent seed and the index so sub-streams of different seeds never coincide.
    fork: (index) => createPrng((Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) + Math.imul(index + 1, 0x9e3779b9)) >>> 0),
  };
}

/** A seed when the user gave none: still recorded, so a run can be repeated with --seed. */
export function randomSeed(): number {
  return (Math.random() * 0x1_0000_0000) >>> 0;
}
