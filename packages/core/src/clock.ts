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
  let n = typeof ns === 'bigint' ? ns : BigInt(Math.round(ns));
  if (n === 0n) return '0s';
  const sign = n < 0n ? '-' : '';
  if (n < 0n) n = -n;
  if (n < 1000n) return `${sign}${n}ns`;
  if (n < 1_000_000n) return `${sign}${fraction(n, 1000n)}µs`;
  if (n < 1_000_000_000n) return `${sign}${fraction(n, 1_000_000n)}ms`;
  const hours = n / 3_600_000_000_000n;
  const minutes = (n / 60_000_000_000n) % 60n;
  const seconds = fraction(n % 60_000_000_000n, 1_000_000_000n);
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0n) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

function fraction(value: bigint, unit: bigint): string {
  const whole = value / unit;
  const rest = value % unit;
  if (rest === 0n) return String(whole);
  const digits = String(unit).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}
