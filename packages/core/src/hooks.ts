import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { toError } from './errors.js';
import type { HookEvent } from './hook-event.js';
import { integerOption, numberOption } from './options.js';

/**
 * A typed table of named hook chains: listeners that can change the flow (rewrite, filter, forge).
 * Lower priority runs first, equal priority in registration order. Listeners are awaited one by one.
 * Keyed listeners (scoped to one message id) are one-shot by default, expire after a TTL and their
 * total count is bounded: the oldest is evicted and counted. No timers: expiry is checked lazily.
 */
export type HookListener<E> = (event: E) => unknown;

export interface HookOptions {
  /** Lower runs first; default 0. */
  priority?: number;
  /** Scope the listener to one key (e.g. a gor message id). */
  key?: string;
  /** Remove after the first call. Default false, true for keyed listeners. */
  once?: boolean;
  /** Keyed listeners only: expire after this many ms (default: the registry's keyedTtlMs). */
  ttlMs?: number;
}

export interface HookRegistryOptions {
  /** Bound on keyed listeners across all names and keys (default 10 000). */
  maxKeyed?: number;
  /** Default TTL of keyed listeners in ms (default 60 000). */
  keyedTtlMs?: number;
  clock?: Clock;
  /** Told about every listener that throws (for an `error` event or a log line). */
  onListenerError?: (error: Error, name: string, key: string | undefined) => void;
}

export interface HookStats {
  keyed: number;
  keyedEvicted: number;
  keyedExpired: number;
  listenerErrors: number;
}

interface Entry<E> {
  fn: HookListener<E>;
  priority: number;
  once: boolean;
  expiresAt: number;
  removed: boolean;
  name: string;
  key: string | undefined;
}

/** The keyed listeners of one name and key: the entry itself, or several in priority order. */
type KeyedSlot = Entry<never> | Entry<never>[];

/** Called with each listener's return value; may stop the dispatch (e.g. gor's "null filters"). */
export type ReturnHandler<E> = (value: unknown, event: E) => void;

export class HookRegistry<Spec extends { [name: string]: HookEvent }> {
  readonly #chains = new Map<string, Entry<never>[]>();
  // name → key → entry, or entries when a key has several (most have one: no array each). Two
  // levels, so no "name#key" string is built, hashed and kept per listener. Plus every keyed entry
  // in insertion order, for eviction and expiry. The order is an array with a moving head (removed
  // entries are flagged and skipped), not a Set: deleting from the front of a large Set leaves
  // tombstones that every later "oldest" lookup walks over.
  readonly #keyed = new Map<string, Map<string, KeyedSlot>>();
  #keyedOrder: Entry<never>[] = [];
  #keyedHead = 0;
  #keyedLive = 0;
  readonly #maxKeyed: number;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #onListenerError: HookRegistryOptions['onListenerError'];
  readonly #stats: HookStats = { keyed: 0, keyedEvicted: 0, keyedExpired: 0, listenerErrors: 0 };

  constructor(options: HookRegistryOptions = {}) {
    this.#maxKeyed = integerOption('maxKeyed', options.maxKeyed ?? 10_000, 1);
    this.#ttlMs = integerOption('keyedTtlMs', options.keyedTtlMs ?? 60_000, 1);
    this.#clock = options.clock ?? systemClock;
    this.#onListenerError = options.onListenerError;
  }

  /** Add a listener; returns a function that removes it. */
  on<K extends keyof Spec & string>(name: K, fn: HookListener<Spec[K]>, options: HookOptions = {}): () => void {
    const key = options.key;
    const priority = options.priority === undefined ? 0 : numberOption('priority', options.priority, -Number.MAX_VALUE);
    const ttlMs = options.ttlMs === undefined ? this.#ttlMs : numberOption('ttlMs', options.ttlMs, Number.MIN_VALUE);
    const entry: Entry<Spec[K]> = {
      fn,
      priority,
      once: options.once ?? key !== undefined,
      expiresAt: key === undefined ? Infinity : this.#clock.nowMs() + ttlMs,
      removed: false,
      name,
      key,
    };
    if (key === undefined) {
      let chain = this.#chains.get(name);
      if (chain === undefined) {
        chain = [];
        this.#chains.set(name, chain);
      }
      insertSorted(chain, entry as Entry<never>);
    } else {
      this.#sweepKeyed();
      // Most keys get one listener, stored as is; a second one turns the slot into a sorted array.
      let byKey = this.#keyed.get(name);
      if (byKey === undefined) {
        byKey = new Map();
        this.#keyed.set(name, byKey);
      }
      const slot = byKey.get(key);
      if (slot === undefined) byKey.set(key, entry as Entry<never>);
      else if (Array.isArray(slot)) insertSorted(slot, entry as Entry<never>);
      else {
        const chain = [slot];
        insertSorted(chain, entry as Entry<never>);
        byKey.set(key, chain);
      }
      this.#keyedOrder.push(entry as Entry<never>);
      this.#keyedLive++;
      // Fired one-shot listeners leave dead entries behind a long-lived oldest one: drop them once
      // they outnumber the live ones, so the array stays within twice the live count (amortised O(1)).
      if (this.#keyedOrder.length > 2 * this.#keyedLive + 1024) {
        this.#keyedOrder = this.#keyedOrder.filter((candidate) => !candidate.removed);
        this.#keyedHead = 0;
      }
      if (this.#keyedLive > this.#maxKeyed) {
        const oldest = this.#oldestKeyed();
        if (oldest !== undefined) {
          this.#remove(oldest);
          this.#stats.keyedEvicted++;
        }
      }
    }
    return () => this.#remove(entry as Entry<never>);
  }

  /** True when `name` has an unkeyed listener (or, with a key, a live keyed one). */
  has(name: keyof Spec & string, key?: string): boolean {
    if (key === undefined) return (this.#chains.get(name)?.length ?? 0) > 0;
    const slot = this.#keyed.get(name)?.get(key);
    if (slot === undefined) return false;
    const now = this.#clock.nowMs();
    return Array.isArray(slot) ? slot.some((entry) => entry.expiresAt > now) : slot.expiresAt > now;
  }

  /** Number of keyed listeners alive (bounded by maxKeyed). */
  get keyedCount(): number {
    return this.#keyedLive;
  }

  get stats(): Readonly<HookStats> {
    return { ...this.#stats, keyed: this.#keyedLive };
  }

  /**
   * Run the unkeyed chain of `name` on `event`. Returns `event` synchronously when nothing listens
   * (no promise, no allocation), otherwise a promise of it. `await` works on both.
   */
  run<K extends keyof Spec & string>(
    name: K,
    event: Spec[K],
    onReturn?: ReturnHandler<Spec[K]>,
  ): Spec[K] | Promise<Spec[K]> {
    const chain = this.#chains.get(name);
    if (chain === undefined || chain.length === 0) return event;
    return this.#dispatch(chain.slice() as Entry<Spec[K]>[], name, undefined, event, onReturn);
  }

  /** Run the listeners keyed to `key` on `name` (one-shot ones are removed as they run). */
  runKeyed<K extends keyof Spec & string>(
    name: K,
    key: string,
    event: Spec[K],
    onReturn?: ReturnHandler<Spec[K]>,
  ): Spec[K] | Promise<Spec[K]> {
    if (this.#keyedLive === 0) return event;
    const slot = this.#keyed.get(name)?.get(key);
    if (slot === undefined) return event;
    // #dispatch runs a snapshot: a copy of a shared chain, or a new one-element array.
    const snapshot = Array.isArray(slot) ? slot.slice() : [slot];
    return this.#dispatch(snapshot as Entry<Spec[K]>[], name, key, event, onReturn);
  }

  /** Remove every listener of `name` (or every listener when no name is given). */
  clear(name?: keyof Spec & string): void {
    for (const entry of this.#keyedOrder.slice(this.#keyedHead)) {
      if (name === undefined || entry.name === name) this.#remove(entry);
    }
    if (name === undefined) this.#chains.clear();
    else this.#chains.delete(name);
  }

  /** Run `snapshot`, a copy of the listeners: ones added or removed meanwhile do not shift this run. */
  async #dispatch<E extends HookEvent>(
    snapshot: Entry<E>[],
    name: string,
    key: string | undefined,
    event: E,
    onReturn: ReturnHandler<E> | undefined,
  ): Promise<E> {
    // Both flags describe this dispatch only, even when a caller reuses the event object.
    event.resetPropagation();
    event.error = undefined;
    const now = key === undefined ? 0 : this.#clock.nowMs();
    for (const entry of snapshot) {
      if (entry.removed) continue;
      if (entry.expiresAt <= now) {
        this.#remove(entry as Entry<never>);
        this.#stats.keyedExpired++;
        continue;
      }
      if (entry.once) this.#remove(entry as Entry<never>);
      let value: unknown;
      try {
        value = entry.fn(event);
        if (value !== null && typeof (value as Promise<unknown>)?.then === 'function') value = await value;
      } catch (thrown) {
        const error = toError(thrown);
        event.error = error;
        this.#stats.listenerErrors++;
        try {
          this.#onListenerError?.(error, name, key);
        } catch {
          // The error policy itself failed; the listener error is still on event.error and counted.
        }
        return event;
      }
      if (onReturn !== undefined) onReturn(value, event);
      if (event.propagationStopped) break;
    }
    return event;
  }

  #remove(entry: Entry<never>): void {
    if (entry.removed) return;
    entry.removed = true;
    const key = entry.key;
    if (key === undefined) {
      const chain = this.#chains.get(entry.name);
      const index = chain === undefined ? -1 : chain.indexOf(entry);
      if (index >= 0) chain?.splice(index, 1);
      return;
    }
    this.#keyedLive--;
    const byKey = this.#keyed.get(entry.name);
    const slot = byKey?.get(key);
    if (slot === entry) byKey?.delete(key);
    else if (Array.isArray(slot)) {
      const index = slot.indexOf(entry);
      if (index >= 0) slot.splice(index, 1);
      if (slot.length === 0) byKey?.delete(key);
    }
  }

  /** The oldest live keyed entry; advances the head past removed ones and compacts now and then. */
  #oldestKeyed(): Entry<never> | undefined {
    const order = this.#keyedOrder;
    while (this.#keyedHead < order.length && (order[this.#keyedHead] as Entry<never>).removed) this.#keyedHead++;
    if (this.#keyedHead > 1024 && this.#keyedHead * 2 > order.length) {
      this.#keyedOrder = order.slice(this.#keyedHead);
      this.#keyedHead = 0;
    }
    return this.#keyedOrder[this.#keyedHead];
  }

  /** Drop expired keyed listeners from the old end; TTLs are mostly equal so this stays O(expired). */
  #sweepKeyed(): void {
    if (this.#keyedLive === 0) {
      this.#keyedOrder = [];
      this.#keyedHead = 0;
      return;
    }
    const now = this.#clock.nowMs();
    for (
      let oldest = this.#oldestKeyed();
      oldest !== undefined && oldest.expiresAt <= now;
      oldest = this.#oldestKeyed()
    ) {
      this.#remove(oldest);
      this.#stats.keyedExpired++;
    }
  }
}

function insertSorted(chain: Entry<never>[], entry: Entry<never>): void {
  let index = chain.length;
  while (index > 0 && (chain[index - 1] as Entry<never>).priority > entry.priority) index--;
  chain.splice(index, 0, entry);
}
