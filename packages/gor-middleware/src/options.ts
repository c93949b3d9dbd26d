import type { Clock, Logger } from '@traffic/core';
import {
  functionOption,
  InvalidOptionError,
  integerOption,
  noopLogger,
  oneOfOption,
  rejectUnknownOptions,
  systemClock,
} from '@traffic/core';

/** Options of createMiddleware(); validated once against DEFAULTS. */
export interface MiddlewareOptions {
  /** Messages of different IDs that may be in flight at once (async handlers). Default 1: strict input order. */
  concurrency?: number;
  /** Run handlers on this many worker threads (needs `workerModule`). Default 0: on the main thread. */
  workers?: number;
  /** Module (path or file: URL) whose default export receives each worker's gor instance. */
  workerModule?: string | URL;
  /** TTL of keyed handlers `on(channel, id, cb)` in ms. Default 60 000. */
  keyedTtlMs?: number;
  /** Bound on live keyed handlers; the oldest is evicted (and counted) beyond it. Default 100 000. */
  maxKeyed?: number;
  /** What to do with a message whose handler threw: forward it unchanged (default) or drop it. */
  onHandlerError?: 'forward' | 'drop';
  /** Longest input line accepted, in bytes of hex. Longer lines are skipped and reported. Default 512 MiB. */
  maxLineBytes?: number;
  /** Output bytes buffered while stdout is congested before input is paused. Default 4 MiB. */
  maxBufferedBytes?: number;
  /** Where reports go (malformed lines, handler errors); default a no-op logger. */
  logger?: Logger;
  /** Time source for keyed-handler TTLs (tests pass core's FakeClock). */
  clock?: Clock;
}

export interface ResolvedOptions {
  concurrency: number;
  workers: number;
  workerModule: string | undefined;
  keyedTtlMs: number;
  maxKeyed: number;
  onHandlerError: 'forward' | 'drop';
  maxLineBytes: number;
  maxBufferedBytes: number;
  logger: Logger;
  clock: Clock;
}

export const DEFAULTS: Readonly<Omit<ResolvedOptions, 'workerModule'> & { workerModule: undefined }> = Object.freeze({
  concurrency: 1,
  workers: 0,
  workerModule: undefined,
  keyedTtlMs: 60_000,
  maxKeyed: 100_000,
  onHandlerError: 'forward',
  maxLineBytes: 512 * 1024 * 1024,
  maxBufferedBytes: 4 * 1024 * 1024,
  logger: noopLogger,
  clock: systemClock,
});

export function resolveOptions(options: MiddlewareOptions): ResolvedOptions {
  rejectUnknownOptions('createMiddleware', options, DEFAULTS);
  const o = { ...DEFAULTS, ...stripUndefined(options) };
  const workers = integerOption('workers', o.workers, 0, 256);
  let workerModule: string | undefined;
  if (o.workerModule !== undefined) {
    if (typeof o.workerModule !== 'string' && !(o.workerModule instanceof URL)) {
      throw new InvalidOptionError('workerModule', o.workerModule, 'a module path or file: URL');
    }
    workerModule = String(o.workerModule);
  }
  if (workers > 0 && workerModule === undefined) {
    throw new InvalidOptionError('workerModule', undefined, 'a module path or file: URL (required when workers > 0)');
  }
  const logger = o.logger;
  if (logger === null || typeof logger !== 'object') throw new InvalidOptionError('logger', logger, 'a Logger');
  functionOption('logger.warn', logger.warn);
  if (o.clock === null || typeof o.clock !== 'object' || typeof o.clock.nowMs !== 'function') {
    throw new InvalidOptionError('clock', o.clock, 'a Clock (nowMs, nowNs, wallMs, setTimeout, clearTimeout)');
  }
  return {
    concurrency: integerOption('concurrency', o.concurrency, 1, 65_536),
    workers,
    workerModule,
    keyedTtlMs: integerOption('keyedTtlMs', o.keyedTtlMs, 1),
    maxKeyed: integerOption('maxKeyed', o.maxKeyed, 1, 10_000_000),
    onHandlerError: oneOfOption('onHandlerError', o.onHandlerError, ['forward', 'drop'] as const),
    maxLineBytes: integerOption('maxLineBytes', o.maxLineBytes, 64, 2 ** 31),
    maxBufferedBytes: integerOption('maxBufferedBytes', o.maxBufferedBytes, 1024),
    logger,
    clock: o.clock,
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [key, item] of Object.entries(value)) if (item !== undefined) (out as Record<string, unknown>)[key] = item;
  return out;
}
