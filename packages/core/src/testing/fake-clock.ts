import type { Clock, TimerHandle } from '../clock.js';

/** A Clock that moves only when advance() is called; timers fire in due order during advance(). */
export class FakeClock implements Clock {
  #nowMs: number;
  #wallStart: number;
  #timers: { due: number; seq: number; fn: () => void; cancelled: boolean }[] = [];
  #seq = 0;

  constructor(startMs = 0, wallStartMs = Date.UTC(2026, 0, 1)) {
    this.#nowMs = startMs;
    this.#wallStart = wallStartMs;
  }

  nowNs(): bigint {
    return BigInt(Math.round(this.#nowMs * 1e6));
  }

  nowMs(): number {
    return this.#nowMs;
  }

  wallMs(): number {
    return this.#wallStart + this.#nowMs;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { due: this.#nowMs + Math.max(0, ms), seq: this.#seq++, fn, cancelled: false };
    this.#timers.push(timer);
    return timer as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    (handle as { cancelled: boolean }).cancelled = true;
  }

  /** Timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#timers.filter((timer) => !timer.cancelled).length;
  }

  /** Move time forward, firing due timers in order. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.advance(ms) needs ms >= 0 (monotonic time), got ${ms}`);
    const target = this.#nowMs + ms;
    for (;;) {
      this.#timers.sort((a, b) => a.due - b.due || a.seq - b.seq);
      const next = this.#timers[0];
      if (next === undefined || next.due > target) break;
      this.#timers.shift();
      this.#nowMs = Math.max(this.#nowMs, next.due);
      if (!next.cancelled) next.fn();
    }
    this.#nowMs = target;
  }
}
