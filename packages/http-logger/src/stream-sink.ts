import type { TrafficError } from '@traffic/core';
import { sinkFailedError } from './errors.js';
import type { LogSink, WritableLike } from './sink.js';

export interface StreamSinkOptions {
  /** Bytes of lines kept while the destination is busy; past it lines are dropped and counted. */
  maxBufferedBytes?: number;
  /** end() the stream on close() (true for streams the sink opened, e.g. a file). */
  endOnClose?: boolean;
  /** A name for error messages. */
  name?: string;
}

export const DEFAULT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/**
 * Batches lines into one write per event-loop turn with at most one write in flight: a request
 * never waits for I/O, a busy destination gets fewer, larger writes, and memory stays bounded.
 */
export class StreamSink implements LogSink {
  onError: ((error: TrafficError) => void) | undefined;
  readonly #stream: WritableLike & { end?: (callback?: () => void) => unknown };
  readonly #maxBytes: number;
  readonly #endOnClose: boolean;
  readonly #name: string;
  #pending: string[] = [];
  #pendingBytes = 0;
  #inFlight = false;
  #scheduled = false;
  #dropped = 0;
  #written = 0;
  #failed = false;
  #closed = false;
  #idleWaiters: (() => void)[] = [];

  constructor(stream: WritableLike, options: StreamSinkOptions = {}) {
    this.#stream = stream;
    this.#maxBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.#endOnClose = options.endOnClose ?? false;
    this.#name = options.name ?? 'stream';
    stream.on?.('error', (error) => this.#fail(error));
  }

  get dropped(): number {
    return this.#dropped;
  }

  /** Lines handed to the destination. */
  get written(): number {
    return this.#written;
  }

  writeLine(line: string): void {
    if (this.#failed || this.#closed || this.#pendingBytes + line.length >= this.#maxBytes) {
      this.#dropped++;
      return;
    }
    this.#pending.push(line);
    this.#pendingBytes += line.length + 1;
    if (!this.#inFlight && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flushNow);
    }
  }

  readonly #flushNow = (): void => {
    this.#scheduled = false;
    if (this.#inFlight || this.#failed) return;
    if (this.#pending.length === 0) {
      this.#notifyIdle();
      return;
    }
    const lines = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#inFlight = true;
    const chunk = `${lines.join('\n')}\n`;
    try {
      this.#stream.write(chunk, (error) => this.#onWritten(error, lines.length));
    } catch (error) {
      this.#onWritten(error as Error, lines.length);
    }
  };

  #onWritten(error: Error | null | undefined, count: number): void {
    this.#inFlight = false;
    if (error) {
      this.#dropped += count;
      this.#fail(error);
      return;
    }
    this.#written += count;
    // Lines that arrived while the write was in flight go out as the next batch.
    if (this.#pending.length > 0) this.#flushNow();
    else this.#notifyIdle();
  }

  #fail(error: Error): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#dropped += this.#pending.length;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.onError?.(sinkFailedError(this.#name, error));
    this.#notifyIdle();
  }

  #notifyIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  flush(): Promise<void> {
    if (this.#failed || (!this.#inFlight && this.#pending.length === 0)) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      if (!this.#inFlight && !this.#scheduled) this.#flushNow();
    });
  }

  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    const end = this.#stream.end;
    if (this.#endOnClose && typeof end === 'function' && !this.#failed) {
      await new Promise<void>((resolve) => end.call(this.#stream, () => resolve()));
    }
  }
}
