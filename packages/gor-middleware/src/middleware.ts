import type { Readable, Writable } from 'node:stream';
import type { Logger } from '@traffic/core';
import { TrafficError } from '@traffic/core';
import type { DispatchResult, Handler } from './dispatch.js';
import { Dispatcher, FAILED } from './dispatch.js';
import type { WorkerReply } from './engine.js';
import { LineEngine } from './engine.js';
import { HEX_UPPER, lowerHex, scanHex } from './hex.js';
import * as helpers from './http-helpers.js';
import { GorMessage } from './message.js';
import type { MiddlewareOptions, ResolvedOptions } from './options.js';
import { resolveOptions } from './options.js';
import { encodeLine, parseHexHeader } from './protocol.js';
import type { GorStats } from './stats.js';
import { emptyStats, typeName } from './stats.js';
import { WorkerPool } from './worker-pool.js';

/**
 * The middleware object handlers are registered on. `run()` serves gor on stdin/stdout;
 * `process(line)` and `emit(message)` drive the same dispatch in tests without any stream.
 */
export interface RunOptions {
  input?: Readable;
  output?: Writable;
  /** Flush and exit on SIGTERM/SIGINT. Default true when input is process.stdin. */
  handleSignals?: boolean;
}

export type SearchCallback = (original?: string, replayed?: string) => void;

export class Gor {
  readonly options: Readonly<ResolvedOptions>;
  readonly logger: Logger;
  readonly #dispatcher: Dispatcher;
  readonly #stats: GorStats = emptyStats();
  #running = false;
  readonly #workerKeyed = { live: 0, evicted: 0, expired: 0 };

  // goreplay's helpers, reachable as gor.httpHeader(...) like with its module object.
  readonly httpMethod = helpers.httpMethod;
  readonly httpPath = helpers.httpPath;
  readonly setHttpPath = helpers.setHttpPath;
  readonly httpPathParam = helpers.httpPathParam;
  readonly setHttpPathParam = helpers.setHttpPathParam;
  readonly httpStatus = helpers.httpStatus;
  readonly setHttpStatus = helpers.setHttpStatus;
  readonly httpHeader = helpers.httpHeader;
  readonly httpHeaders = helpers.httpHeaders;
  readonly setHttpHeader = helpers.setHttpHeader;
  readonly deleteHttpHeader = helpers.deleteHttpHeader;
  readonly httpBody = helpers.httpBody;
  readonly setHttpBody = helpers.setHttpBody;
  readonly httpBodyParam = helpers.httpBodyParam;
  readonly setHttpBodyParam = helpers.setHttpBodyParam;
  readonly httpCookie = helpers.httpCookie;
  readonly setHttpCookie = helpers.setHttpCookie;
  readonly deleteHttpCookie = helpers.deleteHttpCookie;
  readonly decodeChunked = helpers.decodeChunked;
  readonly decompressBody = helpers.decompressBody;

  constructor(options: MiddlewareOptions = {}) {
    this.options = Object.freeze(resolveOptions(options));
    this.logger = this.options.logger;
    this.#dispatcher = new Dispatcher({
      keyedTtlMs: this.options.keyedTtlMs,
      maxKeyed: this.options.maxKeyed,
      clock: this.options.clock,
      onError: (error, message) => this.#reportHandlerError(error, message),
    });
  }

  /**
   * `on(channel, cb)` or `on(channel, id, cb)` (one-shot, expires after keyedTtlMs). Channels:
   * `message` (every message), `request`, `response`, `replay`. Returns `this` like goreplay's.
   */
  on(channel: string, idOrHandler: string | number | Handler, handler?: Handler): this {
    if (typeof idOrHandler === 'function') this.#dispatcher.on(channel, idOrHandler);
    else if (handler !== undefined) this.#dispatcher.on(channel, handler, String(idOrHandler));
    else
      throw new TrafficError(
        'TRAFFIC_ERR_GOR_UNKNOWN_CHANNEL',
        `on(${JSON.stringify(channel)}, ...) needs a handler function`,
      );
    return this;
  }

  /** Like `on`, but returns a function that removes the handler. */
  subscribe(channel: string, handler: Handler, id?: string): () => void {
    return this.#dispatcher.on(channel, handler, id);
  }

  /**
   * Compare a value between the original (type 2) and replayed (type 3) response of `id`:
   * `callback(original, replayed)` gets the first capture group of `pattern` in each; with no
   * match in the original it is called with no arguments, with none in the replay with one.
   * String patterns are compiled with the `m` flag so `^`/`$` work per header line.
   */
  searchResponses(id: string, pattern: string | RegExp, callback: SearchCallback): void {
    const re = typeof pattern === 'string' ? new RegExp(pattern, 'm') : pattern;
    const capture = (message: GorMessage): string | undefined => {
      const match = re.exec(message.http.toString('utf8'));
      re.lastIndex = 0;
      return match?.[1] ?? (match ? match[0] : undefined);
    };
    this.#dispatcher.on(
      'response',
      (response) => {
        const original = capture(response);
        if (original === undefined) callback();
        else
          this.#dispatcher.on(
            'replay',
            (replay) => {
              const replayed = capture(replay);
              if (replayed === undefined) callback(original);
              else callback(original, replayed);
              return replay;
            },
            String(id),
          );
        return response;
      },
      String(id),
    );
  }

  /** Counters: per type in/forwarded/filtered/modified/errors, malformed lines, keyed handlers. */
  get stats(): GorStats {
    const keyed = this.#dispatcher.keyedStats;
    keyed.live += this.#workerKeyed.live;
    keyed.evicted += this.#workerKeyed.evicted;
    keyed.expired += this.#workerKeyed.expired;
    return { ...this.#stats, keyed };
  }

  /** Run every handler on a message; resolves to the message to forward, or null when filtered or failed (dropped). */
  async emit(message: GorMessage): Promise<GorMessage | null> {
    const result = await this.#dispatcher.dispatch(message);
    if (result === FAILED) return this.options.onHandlerError === 'drop' ? null : message;
    return result;
  }

  /** @internal dispatch for the engine and the replay reader (sync when every handler is). */
  dispatch(message: GorMessage): DispatchResult | Promise<DispatchResult> {
    return this.#dispatcher.dispatch(message);
  }

  /** @internal true when no handler is registered. */
  get idle(): boolean {
    return this.#dispatcher.idle;
  }

  /** @internal the counters object the engine and replay reader update. */
  get mutableStats(): GorStats {
    return this.#stats;
  }

  /**
   * Handle one protocol line (hex, with or without its `\n`) as `run()` would: resolves to the
   * output line (lowercase hex ending in `\n`) or null when filtered; malformed lines reject
   * with TRAFFIC_ERR_GOR_MALFORMED_LINE.
   */
  async process(line: Buffer | string): Promise<Buffer | null> {
    let buf = typeof line === 'string' ? Buffer.from(line, 'latin1') : line;
    let end = buf.length;
    if (buf[end - 1] === 0x0a) end--;
    if (buf[end - 1] === 0x0d) end--;
    const scan = scanHex(buf, 0, end);
    if (scan >= 0 || end === 0 || end & 1) {
      throw new TrafficError(
        'TRAFFIC_ERR_GOR_MALFORMED_LINE',
        scan >= 0
          ? `invalid hex character at column ${scan + 1}`
          : end === 0
            ? 'empty line'
            : 'odd number of hex digits',
      );
    }
    if (scan === HEX_UPPER) {
      buf = lowerHex(buf, 0, end);
      end = buf.length;
    }
    const header = parseHexHeader(buf, 0, end);
    if (typeof header === 'string') throw new TrafficError('TRAFFIC_ERR_GOR_MALFORMED_LINE', header);
    const original = (): Buffer => Buffer.concat([buf.subarray(0, end), Buffer.from('\n')]);
    const message = new GorMessage(header.fields, { line: buf, start: header.payloadStart, end });
    const reply = await this.processMessage(message, original);
    return reply.out;
  }

  /** @internal dispatch one message and render the output line; counts it. Used by process() and workers. */
  async processMessage(message: GorMessage, original: () => Buffer): Promise<WorkerReply> {
    const stats = this.#stats.byType[typeName(message.type)];
    stats.in++;
    const result = await this.#dispatcher.dispatch(message);
    if (result === FAILED) {
      stats.errors++;
      if (this.options.onHandlerError === 'drop') return { out: null, outcome: 'error' };
      stats.forwarded++;
      return { out: original(), outcome: 'error' };
    }
    if (result === null) {
      stats.filtered++;
      return { out: null, outcome: 'filtered' };
    }
    stats.forwarded++;
    if (result === message && !message.headChanged && !message.httpTouched)
      return { out: original(), outcome: 'forwarded' };
    const modified = result !== message || message.headChanged || message.httpReplaced;
    if (modified) stats.modified++;
    return { out: Buffer.concat(encodeLine(result)), outcome: modified ? 'modified' : 'forwarded' };
  }

  /**
   * Serve gor: read hex lines from stdin, write results to stdout, until stdin ends and
   * everything is flushed. Resolves with the counters.
   */
  async run(options: RunOptions = {}): Promise<GorStats> {
    if (this.#running) throw new TrafficError('TRAFFIC_ERR_GOR_ALREADY_RUNNING', 'gor.run() was called twice');
    this.#running = true;
    const input = options.input ?? process.stdin;
    const output = options.output ?? process.stdout;
    const pool =
      this.options.workers > 0
        ? new WorkerPool({
            size: this.options.workers,
            module: this.options.workerModule as string,
            options: this.options,
            logger: this.logger,
          })
        : undefined;
    if (pool !== undefined) await pool.ready();
    const engine = new LineEngine(
      {
        stats: this.#stats,
        logger: this.logger,
        concurrency: this.options.concurrency,
        maxLineBytes: this.options.maxLineBytes,
        maxBufferedBytes: this.options.maxBufferedBytes,
        dropOnError: this.options.onHandlerError === 'drop',
        idle: () => this.#dispatcher.idle,
        dispatch: (message) => this.#dispatcher.dispatch(message),
        ...(pool === undefined ? {} : { submit: (line: Buffer, id: string, n: number) => pool.submit(line, id, n) }),
      },
      input,
      output,
    );
    const handleSignals = options.handleSignals ?? input === process.stdin;
    let signalled: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      signalled = signal;
      this.logger.info({ signal }, 'gor: signal received, flushing and exiting');
      engine.stop();
    };
    if (handleSignals) {
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    }
    try {
      await engine.run();
    } finally {
      if (handleSignals) {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
      if (pool !== undefined) {
        // The main thread counted every message; workers hold the keyed handlers.
        for (const s of await pool.close()) {
          this.#workerKeyed.live += s.keyed.live;
          this.#workerKeyed.evicted += s.keyed.evicted;
          this.#workerKeyed.expired += s.keyed.expired;
        }
      }
    }
    const stats = this.stats;
    this.logger.debug({ stats }, 'gor: input ended, output flushed');
    if (signalled !== undefined && handleSignals) process.exit(0);
    return stats;
  }

  #reportHandlerError(error: Error, message: GorMessage): void {
    const code = (error as { code?: unknown }).code;
    this.logger.error(
      {
        code: 'TRAFFIC_ERR_GOR_HANDLER_FAILED',
        cause: typeof code === 'string' ? code : undefined,
        err: error,
        line: message.lineNumber || undefined,
        type: message.type,
        id: message.ID,
      },
      `gor: handler failed${message.lineNumber ? ` on line ${message.lineNumber}` : ''} (type ${message.type}, id ${message.ID}): ${error.message}; message ${this.options.onHandlerError === 'drop' ? 'dropped' : 'forwarded unchanged'}`,
    );
  }
}

/** Create a middleware; register handlers with `on`, then `run()` it (or let `traffic gor` run it). */
export function createMiddleware(options: MiddlewareOptions = {}): Gor {
  return new Gor(options);
}
