import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '@traffic/core';
import { TrafficError } from '@traffic/core';
import type { WorkerReply } from './engine.js';
import type { ResolvedOptions } from './options.js';
import type { GorStats } from './stats.js';

/**
 * Handlers on worker threads for CPU-heavy middleware. Each worker imports `workerModule` and
 * hands its default export a gor instance. Lines of one ID always go to the same worker, which
 * handles its lines in order, so per-ID order and keyed handlers work as on one thread.
 */
export interface WorkerPoolOptions {
  size: number;
  module: string;
  options: Readonly<ResolvedOptions>;
  logger: Logger;
}

interface Pending {
  resolve: (reply: WorkerReply) => void;
  line: Buffer;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  dead: boolean;
}

type FromWorker =
  | { type: 'ready' }
  | { type: 'setup-error'; message: string }
  | { type: 'reply'; seq: number; out: Uint8Array | null; outcome: WorkerReply['outcome'] }
  | { type: 'log'; level: 'warn' | 'error' | 'info' | 'debug'; fields: Record<string, unknown>; msg: string }
  | { type: 'stats'; stats: GorStats };

export function workerEntryUrl(): URL {
  // Under a TypeScript runner (tests) this file is src/*.ts: workers need the built JavaScript.
  return import.meta.url.endsWith('.ts')
    ? new URL('../dist/worker-entry.js', import.meta.url)
    : new URL('./worker-entry.js', import.meta.url);
}

export function moduleUrl(module: string): string {
  return /^(file|data):/.test(module) ? module : pathToFileURL(resolve(module)).href;
}

export class WorkerPool {
  readonly #slots: Slot[] = [];
  readonly #logger: Logger;
  readonly #drop: boolean;
  readonly #ready: Promise<void>;
  #seq = 0;

  constructor(options: WorkerPoolOptions) {
    this.#logger = options.logger;
    this.#drop = options.options.onHandlerError === 'drop';
    const workerData = {
      module: moduleUrl(options.module),
      options: {
        keyedTtlMs: options.options.keyedTtlMs,
        maxKeyed: options.options.maxKeyed,
        onHandlerError: options.options.onHandlerError,
        maxLineBytes: options.options.maxLineBytes,
      },
    };
    const readies: Promise<void>[] = [];
    for (let i = 0; i < options.size; i++) {
      const worker = new Worker(workerEntryUrl(), { workerData });
      const slot: Slot = { worker, pending: new Map(), dead: false };
      this.#slots.push(slot);
      readies.push(
        new Promise<void>((resolveReady, reject) => {
          worker.on('message', (message: FromWorker) => {
            if (message.type === 'ready') resolveReady();
            else if (message.type === 'setup-error') {
              reject(
                new TrafficError(
                  'TRAFFIC_ERR_GOR_WORKER_FAILED',
                  `worker could not load ${workerData.module}: ${message.message}`,
                ),
              );
            } else this.#onMessage(slot, message);
          });
          worker.once('error', (error) => {
            reject(
              new TrafficError('TRAFFIC_ERR_GOR_WORKER_FAILED', `worker failed: ${error.message}`, { cause: error }),
            );
            this.#onDeath(slot, error);
          });
          worker.once('exit', () => this.#onDeath(slot, new Error('worker exited')));
        }),
      );
    }
    this.#ready = Promise.all(readies).then(
      () => undefined,
      async (error: unknown) => {
        await Promise.all(this.#slots.map((slot) => slot.worker.terminate()));
        throw error;
      },
    );
    this.#ready.catch(() => {});
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  submit(line: Buffer, id: string, lineNumber: number): Promise<WorkerReply> {
    const slot = this.#slots[hash(id) % this.#slots.length] as Slot;
    if (slot.dead) return Promise.resolve(this.#failed(line));
    const seq = ++this.#seq;
    return new Promise((resolveReply) => {
      slot.pending.set(seq, { resolve: resolveReply, line });
      slot.worker.postMessage({ type: 'line', seq, line, lineNumber });
    });
  }

  /** Ask every worker for its counters and stop it. */
  async close(): Promise<GorStats[]> {
    const all = await Promise.all(
      this.#slots.map(
        (slot) =>
          new Promise<GorStats | undefined>((resolveStats) => {
            if (slot.dead) {
              resolveStats(undefined);
              return;
            }
            slot.worker.on('message', (message: FromWorker) => {
              if (message.type === 'stats') resolveStats(message.stats);
            });
            slot.worker.once('exit', () => resolveStats(undefined));
            slot.worker.postMessage({ type: 'close' });
          }),
      ),
    );
    await Promise.all(this.#slots.map((slot) => slot.worker.terminate()));
    return all.filter((stats): stats is GorStats => stats !== undefined);
  }

  #onMessage(slot: Slot, message: FromWorker): void {
    if (message.type === 'reply') {
      const pending = slot.pending.get(message.seq);
      if (pending === undefined) return;
      slot.pending.delete(message.seq);
      const out =
        message.out === null ? null : Buffer.from(message.out.buffer, message.out.byteOffset, message.out.length);
      pending.resolve({ out, outcome: message.outcome });
    } else if (message.type === 'log') {
      this.#logger[message.level](message.fields, message.msg);
    }
  }

  #onDeath(slot: Slot, error: Error): void {
    if (slot.dead) return;
    slot.dead = true;
    if (slot.pending.size > 0) {
      this.#logger.error(
        { code: 'TRAFFIC_ERR_GOR_WORKER_FAILED', err: error, pending: slot.pending.size },
        `gor: a worker thread died with ${slot.pending.size} message(s) in flight; they are ${this.#drop ? 'dropped' : 'forwarded unchanged'}`,
      );
    }
    for (const pending of slot.pending.values()) pending.resolve(this.#failed(pending.line));
    slot.pending.clear();
  }

  #failed(line: Buffer): WorkerReply {
    return { out: this.#drop ? null : Buffer.concat([line, Buffer.from('\n')]), outcome: 'error' };
  }
}

/** FNV-1a: spreads IDs over workers; the same ID always lands on the same worker. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
