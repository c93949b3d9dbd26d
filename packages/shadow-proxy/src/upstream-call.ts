import type { Clock, TimerHandle } from '@traffic/core';
import type { Dispatcher } from 'undici';

/**
 * One request to one backend through undici's dispatch API (no stream objects, raw response
 * headers with their case and order). The deadline counts from dispatch, so time spent queued for
 * a socket counts too; when it fires the sink is told at once, even if undici still holds the
 * request in its queue (it is aborted as soon as undici hands it a socket).
 */
export interface CallSink {
  onHead(status: number, statusText: string, rawHeaders: Buffer[], resume: () => void): void;
  /** Return false to pause the upstream until resume() is called. */
  onChunk(chunk: Buffer): boolean;
  onEnd(): void;
  /** Called at most once, instead of onEnd. */
  onFail(error: Error, timedOut: boolean): void;
}

export class DeadlineError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms of dispatch`);
    this.name = 'DeadlineError';
  }
}

export class UpstreamCall {
  readonly #sink: CallSink;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  /** 'head': the deadline stops at the response head (the master streams); 'all': at the end. */
  readonly #covers: 'head' | 'all';
  #timer: TimerHandle | undefined;
  #abort: ((reason?: Error) => void) | undefined;
  #pendingAbort: Error | undefined;
  #settled = false;
  #headReceived = false;
  readonly startMs: number;
  endMs = 0;

  constructor(sink: CallSink, clock: Clock, timeoutMs: number, covers: 'head' | 'all') {
    this.#sink = sink;
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
    this.#covers = covers;
    this.startMs = clock.nowMs();
  }

  get settled(): boolean {
    return this.#settled;
  }

  get durationMs(): number {
    return (this.endMs || this.#clock.nowMs()) - this.startMs;
  }

  dispatch(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions): void {
    this.#timer = this.#clock.setTimeout(() => this.#onDeadline(), this.#timeoutMs);
    try {
      dispatcher.dispatch(options, this as unknown as Dispatcher.DispatchHandler);
    } catch (error) {
      this.#fail(error as Error, false);
    }
  }

  /** Stop the call (client went away, proxy closing). The sink hears nothing more. */
  abort(reason: Error): void {
    if (!this.#settled) {
      this.#settled = true;
      this.endMs = this.#clock.nowMs();
      this.#clearTimer();
    }
    this.#cancel(reason);
  }

  #cancel(reason: Error): void {
    if (this.#abort !== undefined) this.#abort(reason);
    else this.#pendingAbort = reason;
  }

  #onDeadline(): void {
    this.#timer = undefined;
    if (this.#settled || (this.#covers === 'head' && this.#headReceived)) return;
    const error = new DeadlineError(this.#timeoutMs);
    this.#fail(error, true);
    this.#cancel(error);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #fail(error: Error, timedOut: boolean): void {
    if (this.#settled) return;
    this.#settled = true;
    this.endMs = this.#clock.nowMs();
    this.#clearTimer();
    this.#sink.onFail(error, timedOut);
  }

  // undici's handler interface (the raw one: Buffers, no header parsing on our behalf).

  onConnect(abort: (reason?: Error) => void): void {
    if (this.#pendingAbort !== undefined) abort(this.#pendingAbort);
    else this.#abort = abort;
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (this.#settled) return true;
    // 1xx informational answers are not the response; undici passes them here too.
    if (status < 200) return true;
    this.#headReceived = true;
    if (this.#covers === 'head') this.#clearTimer();
    this.#sink.onHead(status, statusText, rawHeaders, resume);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#settled) return true;
    return this.#sink.onChunk(chunk);
  }

  onComplete(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.endMs = this.#clock.nowMs();
    this.#clearTimer();
    this.#sink.onEnd();
  }

  onError(error: Error): void {
    this.#fail(error, false);
  }
}
