import type { Clock } from '@traffic/core';
import { HookRegistry, TrafficError } from '@traffic/core';
import type { GorChannel } from './message.js';
import { GorMessage, MESSAGE_TYPES } from './message.js';

/**
 * Handler chains and their return rules. Order per message: `message` handlers, then the type's
 * channel, then the one-shot `type#id` handlers (kept in core's HookRegistry: TTL and a bound).
 * Every handler runs (observers see filtered traffic, as in goreplay's library), receives the
 * latest returned message, and the first filter is final. The common all-sync case allocates no
 * promise; a thenable return switches the rest of that dispatch to async.
 */
export type Handler = (message: GorMessage) => unknown;

/** Returned by dispatch when a handler threw or returned something unusable. */
export const FAILED: unique symbol = Symbol('gor.failed');
export type DispatchResult = GorMessage | null | typeof FAILED;

/** The state of one dispatch: the latest returned message and whether it was filtered. */
export class GorEvent {
  current: GorMessage;
  filtered = false;
  constructor(message: GorMessage) {
    this.current = message;
  }
}

type Hooks = { request: GorMessage; response: GorMessage; replay: GorMessage };

export interface DispatcherOptions {
  keyedTtlMs: number;
  maxKeyed: number;
  clock: Clock;
  onError: (error: Error, message: GorMessage) => void;
}

const CHANNELS = ['message', 'request', 'response', 'replay'] as const;
export type Channel = (typeof CHANNELS)[number];

export class Dispatcher {
  #message: Handler[] = [];
  readonly #byType: Record<GorChannel, Handler[]> = { request: [], response: [], replay: [] };
  // Merged chains per type (message handlers first), rebuilt on registration so dispatch never concatenates.
  #merged: Record<GorChannel, Handler[]> = { request: [], response: [], replay: [] };
  readonly #registry: HookRegistry<Hooks>;
  readonly #ttlMs: number;
  readonly #onError: DispatcherOptions['onError'];
  #unkeyedCount = 0;

  constructor(options: DispatcherOptions) {
    this.#ttlMs = options.keyedTtlMs;
    this.#onError = options.onError;
    this.#registry = new HookRegistry<Hooks>({
      keyedTtlMs: options.keyedTtlMs,
      maxKeyed: options.maxKeyed,
      clock: options.clock,
    });
  }

  /** True when no handler of any kind is registered (passthrough: the engine never parses HTTP). */
  get idle(): boolean {
    return this.#unkeyedCount === 0 && this.#registry.keyedCount === 0;
  }

  get keyedStats(): { live: number; evicted: number; expired: number } {
    const stats = this.#registry.stats;
    return { live: stats.keyed, evicted: stats.keyedEvicted, expired: stats.keyedExpired };
  }

  /** Register a handler; `channel` may also be written `type#id` (goreplay's internal form). */
  on(channel: string, handler: Handler, id?: string, ttlMs?: number): () => void {
    let name = channel;
    let key = id;
    const hash = channel.indexOf('#');
    if (key === undefined && hash > 0) {
      name = channel.slice(0, hash);
      key = channel.slice(hash + 1);
    }
    if (!(CHANNELS as readonly string[]).includes(name)) {
      throw new TrafficError(
        'TRAFFIC_ERR_GOR_UNKNOWN_CHANNEL',
        `unknown channel ${JSON.stringify(channel)} (allowed: message, request, response, replay, or type#id)`,
        { details: { channel } },
      );
    }
    if (typeof handler !== 'function') {
      throw new TrafficError(
        'TRAFFIC_ERR_GOR_UNKNOWN_CHANNEL',
        `handler for ${JSON.stringify(channel)} is not a function`,
        {
          details: { channel },
        },
      );
    }
    if (key !== undefined) {
      if (name === 'message') {
        throw new TrafficError(
          'TRAFFIC_ERR_GOR_UNKNOWN_CHANNEL',
          'keyed handlers need a type channel (request, response or replay), not message',
          { details: { channel } },
        );
      }
      return this.#registry.on(name as GorChannel, handler, {
        key: String(key),
        ttlMs: ttlMs ?? this.#ttlMs,
      });
    }
    // Copy on write: a dispatch in progress keeps iterating the array it started with.
    if (name === 'message') this.#message = [...this.#message, handler];
    else this.#byType[name as GorChannel] = [...this.#byType[name as GorChannel], handler];
    this.#unkeyedCount++;
    this.#rebuild();
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      if (name === 'message') this.#message = this.#message.filter((h) => h !== handler);
      else this.#byType[name as GorChannel] = this.#byType[name as GorChannel].filter((h) => h !== handler);
      this.#unkeyedCount--;
      this.#rebuild();
    };
  }

  #rebuild(): void {
    this.#merged = {
      request: [...this.#message, ...this.#byType.request],
      response: [...this.#message, ...this.#byType.response],
      replay: [...this.#message, ...this.#byType.replay],
    };
  }

  /** Run every handler for `message`; synchronous unless a handler returned a thenable. */
  dispatch(message: GorMessage): DispatchResult | Promise<DispatchResult> {
    const channel = MESSAGE_TYPES[message.type];
    const chain = channel === undefined ? this.#message : this.#merged[channel];
    const event = new GorEvent(message);
    try {
      const pending = runChain(chain, 0, event);
      if (pending !== undefined) {
        return pending.then(
          () => this.#keyed(channel, event, message),
          (error: unknown) => this.#fail(error, message),
        );
      }
    } catch (error) {
      return this.#fail(error, message);
    }
    return this.#keyed(channel, event, message);
  }

  #keyed(
    channel: GorChannel | undefined,
    event: GorEvent,
    original: GorMessage,
  ): DispatchResult | Promise<DispatchResult> {
    if (channel === undefined || this.#registry.keyedCount === 0 || !this.#registry.has(channel, original.ID)) {
      return event.filtered ? null : event.current;
    }
    // Keyed handlers receive the message as it stands after the unkeyed ones.
    const current = event.current;
    current.error = undefined;
    const run = this.#registry.runKeyed(channel, original.ID, current, (value) => applyReturn(value, event));
    return Promise.resolve(run).then(
      () => {
        if (current.error !== undefined) return this.#fail(current.error, original);
        return event.filtered ? null : event.current;
      },
      (error: unknown) => this.#fail(error, original),
    );
  }

  #fail(error: unknown, message: GorMessage): typeof FAILED {
    this.#onError(error instanceof Error ? error : new Error(String(error)), message);
    return FAILED;
  }
}

function runChain(chain: readonly Handler[], start: number, event: GorEvent): Promise<void> | undefined {
  for (let i = start; i < chain.length; i++) {
    const value = (chain[i] as Handler)(event.current);
    if (value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function') {
      return Promise.resolve(value).then((resolved) => {
        applyReturn(resolved, event);
        return runChain(chain, i + 1, event);
      });
    }
    applyReturn(value, event);
  }
  return undefined;
}

/** The return rules: a message forwards (and is what later handlers see), null/undefined/false filters. */
export function applyReturn(value: unknown, event: GorEvent): void {
  if (event.filtered) return;
  if (value === null || value === undefined || value === false) {
    event.filtered = true;
    return;
  }
  if (value instanceof GorMessage) {
    event.current = value;
    return;
  }
  if (typeof value === 'object' && Buffer.isBuffer((value as { http?: unknown }).http)) {
    // A plain object shaped like goreplay's message: take its fields over the current ones.
    const plain = value as { type?: unknown; ID?: unknown; meta?: unknown; http: Buffer };
    const base = Array.isArray(plain.meta) ? (plain.meta as unknown[]).map(String) : event.current.meta;
    if (plain.type !== undefined) base[0] = String(plain.type);
    if (plain.ID !== undefined) base[1] = String(plain.ID);
    event.current = new GorMessage(base, plain.http);
    return;
  }
  throw new TrafficError(
    'TRAFFIC_ERR_GOR_BAD_RETURN',
    `a handler returned ${typeof value === 'object' ? 'an object without an http Buffer' : JSON.stringify(value)}: return the message to forward it, or null/undefined to filter it`,
  );
}
