/**
 * Monotonic time for every measurement (never Date.now() for durations), plus timers, so tests can
 * swap in FakeClock from @traffic/core/testing.
 */
export interface TimerHandle {
  unref?(): unknown;
}

export interface Clock {
  /** Monotonic nanoseconds. */
  nowNs(): bigint;
  /** Monotonic milliseconds with sub-millisecond precision. */
  nowMs(): number;
  /** Wall-clock milliseconds since the epoch (for timestamps, never for durations). */
  wallMs(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = Object.freeze({
  nowNs: () => process.hrtime.bigint(),
  nowMs: () => Number(process.hrtime.bigint()) / 1e6,
  wallMs: () => Date.now(),
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
  clearTimeout: (handle: TimerHandle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
});

/** Milliseconds (float) between two nowNs() readings. */
export function elapsedMs(startNs: bigint, endNs: bigint): number {
  return Number(endNs - startNs) / 1e6;
}

/**
 * Go's time.Duration.String() for a duration in nanoseconds: "0s", "394.823µs", "12.5ms", "1m2.5s".
 * Logs keep the exact text Go services print so the same dashboards parse both.
 */
export function formatGoDuration(ns: bigint | number): string {
  if (typeof ns === 'number' || (ns > -MAX_EXACT && ns < MAX_EXACT)) {
    // Below 2^53 ns (104 days) plain numbers are exact and much cheaper than bigint arithmetic.
    let n = Math.round(Number(ns));
    if (Number.isSafeInteger(n)) {
      if (n === 0) return '0s';
      const sign = n < 0 ? '-' : '';
      if (n < 0) n = -n;
      if (n < 1000) return `${sign}${n}ns`;
      if (n < 1_000_000) return `${sign}${fraction(n, 1000, 3)}µs`;
      if (n < 1_000_000_000) return `${sign}${fraction(n, 1_000_000, 6)}ms`;
      const hours = Math.floor(n / 3_600_000_000_000);
      const minutes = Math.floor(n / 60_000_000_000) % 60;
      const seconds = fraction(n % 60_000_000_000, 1_000_000_000, 9);
      if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
      if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
      return `${sign}${seconds}s`;
    }
  }
  let n = typeof ns === 'bigint' ? ns : BigInt(Math.round(ns));
  const sign = n < 0n ? '-' : '';
  if (n < 0n) n = -n;
  const hours = n / 3_600_000_000_000n;
  const minutes = (n / 60_000_000_000n) % 60n;
  const seconds = bigFraction(n % 60_000_000_000n, 1_000_000_000n);
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}s`;
  return `${sign}${minutes}m${seconds}s`;
}

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** `value / unit` as decimal text without trailing zeros ("12.5", "3"). */
function fraction(value: number, unit: number, digits: number): string {
  const whole = Math.floor(value / unit);
  const rest = value - whole * unit;
  if (rest === 0) return String(whole);
  let decimals = String(rest).padStart(digits, '0');
  let end = decimals.length;
  while (decimals.charCodeAt(end - 1) === 0x30) end--;
  decimals = decimals.slice(0, end);
  return `${whole}.${decimals}`;
}

function bigFraction(value: bigint, unit: bigint): string {
  const whole = value / unit;
  const rest = value % unit;
  if (rest === 0n) return String(whole);
  const digits = String(unit).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}
