import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Prng } from './prng.js';

/** What a fault stage may do to the connection it runs on. */
export interface ConnectionControl {
  readonly rng: Prng;
  /** Resolves after `ms`; timers die with the connection (the promise then never settles). */
  sleep(ms: number): Promise<void>;
  /** Abort both sides with RST. */
  reset(): void;
  /** Close both sides with FIN, after what is already queued is flushed. */
  close(): void;
  readonly closed: boolean;
}

export type Next = (chunk: Buffer) => Promise<void>;

/** One fault on one direction of one connection (a toxic, or a tcp-mode behaviour). */
export interface Stage {
  data(chunk: Buffer, arrival: number, next: Next): Promise<void>;
  end?(next: () => Promise<void>): Promise<void>;
  dispose?(): void;
}

const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

/**
 * One direction of a managed (faulty) connection: a serial queue of chunks run through its stages,
 * then written to the sink with backpressure. The source is paused while more than HIGH_WATER bytes
 * wait, so a slow toxic never grows memory without bound.
 */
export class Direction {
  readonly #sink: Socket;
  readonly #onPressure: (paused: boolean) => void;
  readonly #stagesOf: () => readonly Stage[];
  readonly #queue: (Buffer | null)[] = [];
  readonly #arrivals: number[] = [];
  #queued = 0;
  #running = false;
  #paused = false;
  #ended = false;
  /** Bytes written to the sink. */
  bytes = 0;

  constructor(sink: Socket, stagesOf: () => readonly Stage[], onPressure: (paused: boolean) => void) {
    this.#sink = sink;
    this.#stagesOf = stagesOf;
    this.#onPressure = onPressure;
  }

  get ended(): boolean {
    return this.#ended;
  }

  write(chunk: Buffer): void {
    if (this.#ended) return;
    this.#queue.push(chunk);
    this.#arrivals.push(performance.now());
    this.#queued += chunk.length;
    if (!this.#paused && this.#queued > HIGH_WATER) {
      this.#paused = true;
      this.#onPressure(true);
    }
    if (!this.#running) void this.#pump();
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#queue.push(null);
    this.#arrivals.push(performance.now());
    if (!this.#running) void this.#pump();
  }

  async #pump(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const chunk = this.#queue.shift()!;
        const arrival = this.#arrivals.shift()!;
        const stages = this.#stagesOf();
        if (chunk === null) {
          await this.#runEnd(stages, 0);
          continue;
        }
        this.#queued -= chunk.length;
        await this.#runData(stages, 0, chunk, arrival);
        if (this.#paused && this.#queued < LOW_WATER) {
          this.#paused = false;
          this.#onPressure(false);
        }
      }
    } finally {
      this.#running = false;
    }
  }

  #runData(stages: readonly Stage[], index: number, chunk: Buffer, arrival: number): Promise<void> {
    const stage = stages[index];
    if (stage === undefined) return this.#sinkWrite(chunk);
    return stage.data(chunk, arrival, (out) => this.#runData(stages, index + 1, out, arrival));
  }

  #runEnd(stages: readonly Stage[], index: number): Promise<void> {
    const stage = stages[index];
    if (stage === undefined) {
      if (!this.#sink.destroyed) this.#sink.end();
      return Promise.resolve();
    }
    const next = () => this.#runEnd(stages, index + 1);
    return stage.end ? stage.end(next) : next();
  }

  #sinkWrite(chunk: Buffer): Promise<void> {
    const sink = this.#sink;
    if (sink.destroyed || sink.writableEnded) return Promise.resolve();
    this.bytes += chunk.length;
    if (sink.write(chunk)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        sink.off('drain', done);
        sink.off('close', done);
        resolve();
      };
      sink.on('drain', done);
      sink.on('close', done);
    });
  }
}
