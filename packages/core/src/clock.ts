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
  // Below 2^53 ns (104 days) plain numbers are exact and much cheaper than bigint arithmetic.
  if (typeof ns === 'bigint') return ns > -MAX_EXACT && ns < MAX_EXACT ? formatExact(Number(ns)) : formatHuge(ns);
  const n = Math.round(ns);
  return Number.isSafeInteger(n) ? formatExact(n) : formatHuge(BigInt(n));
}

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);
const HOUR_NS = 3_600_000_000_000;

function formatExact(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  const n = Math.abs(ns);
  if (n < 1000) return `${sign}${n}ns`;
  if (n < 1_000_000) return `${sign}${fraction(n, 1000, 3)}µs`;
  if (n < 1_000_000_000) return `${sign}${fraction(n, 1_000_000, 6)}ms`;
  const hours = Math.floor(n / HOUR_NS);
  return hours > 0 ? `${sign}${hours}h${belowHour(n - hours * HOUR_NS, true)}` : `${sign}${belowHour(n, false)}`;
}

/** Past 2^53 ns: whole hours as a bigint, the rest (under an hour) as an exact plain number. */
function formatHuge(ns: bigint): string {
  const n = ns < 0n ? -ns : ns;
  const hour = BigInt(HOUR_NS);
  return `${ns < 0n ? '-' : ''}${n / hour}h${belowHour(Number(n % hour), true)}`;
}

/** Minutes and seconds of less than an hour ("2m3.5s"; minutes only when asked or non-zero). */
function belowHour(n: number, withMinutes: boolean): string {
  const minutes = Math.floor(n / 60_000_000_000);
  const seconds = fraction(n % 60_000_000_000, 1_000_000_000, 9);
  return withMinutes || minutes > 0 ? `${minutes}m${seconds}s` : `${seconds}s`;
}

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
