import type { Readable, Writable } from 'node:stream';
import type { Logger } from '@traffic/core';
import type { DispatchResult } from './dispatch.js';
import { FAILED } from './dispatch.js';
import { HEX_UPPER, lowerHex, scanHex } from './hex.js';
import { HexScanner } from './hex-scanner.js';
import { GorMessage } from './message.js';
import { OutputBatcher } from './output-batcher.js';
import { hexHeaderFields, NL, scanHexHeader, writeLine } from './protocol.js';
import type { GorStats, TypeStats } from './stats.js';
import { typeName } from './stats.js';

/**
 * Where the line holding `stop` (where the hex scan stopped) ends: `stop` itself for a clean line,
 * which the scan ends at its own "\n"; otherwise the next "\n", or -1 when it is not in this chunk.
 */
function lineEnd(chunk: Buffer, stop: number, length: number): number {
  if (stop >= length) return -1;
  return chunk[stop] === 0x0a ? stop : chunk.indexOf(0x0a, stop);
}

export interface WorkerReply {
  out: Buffer | null;
  outcome: 'forwarded' | 'modified' | 'filtered' | 'error';
}

export interface EngineHost {
  readonly stats: GorStats;
  readonly logger: Logger;
  readonly concurrency: number;
  readonly maxLineBytes: number;
  readonly maxBufferedBytes: number;
  readonly dropOnError: boolean;
  idle(): boolean;
  dispatch(message: GorMessage): DispatchResult | Promise<DispatchResult>;
  /** Worker threads, when configured: they get the line and answer with the output line. */
  submit?: (line: Buffer, id: string, lineNumber: number) => Promise<WorkerReply>;
}

/**
 * The stdin → stdout loop. Reads Buffers; one scan per line finds its end and checks its hex
 * without decoding (HexScanner; lines may span many chunks); with no handlers it echoes the bytes
 * it read. Output is batched per input chunk; when stdout buffers more than maxBufferedBytes the
 * input is paused until 'drain', so nothing is dropped and memory stays bounded. With concurrency 1
 * an async handler holds the next line back; with more, lines of other IDs overlap while lines of
 * the same ID wait.
 */
export class LineEngine {
  readonly #host: EngineHost;
  readonly #input: Readable;
  readonly #output: Writable;
  readonly #out: OutputBatcher;
  readonly #scanner = new HexScanner();
  readonly #concurrency: number;
  #lineNumber = 0;
  #partial: Buffer[] = [];
  #partialBytes = 0;
  /** Every partial piece is lowercase hex (the scan that found no "\n" in it said so). */
  #partialClean = true;
  #skipping = false;
  #stash: { chunk: Buffer; start: number } | undefined;
  readonly #backlog: Buffer[] = [];
  #blocked = false;
  #congested = false;
  #ended = false;
  #stopped = false;
  #inflight = 0;
  readonly #inflightIds = new Map<string, Promise<unknown>>();
  #flushScheduled = false;
  #resolve: (() => void) | undefined;
  readonly #onData = (chunk: Buffer) => this.#data(chunk);
  readonly #onEnd = () => this.#end();

  constructor(host: EngineHost, input: Readable, output: Writable) {
    this.#host = host;
    this.#input = input;
    this.#output = output;
    this.#out = new OutputBatcher(output, host.maxBufferedBytes);
    this.#concurrency = host.submit === undefined ? host.concurrency : Math.max(host.concurrency, 64);
  }

  /** Resolves once input ended (or stop() was called), every message is handled and output flushed. */
  run(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#input.on('data', this.#onData);
      this.#input.once('end', this.#onEnd);
      this.#input.once('error', reject);
      this.#output.once('error', reject);
    });
  }

  /** Stop reading (SIGTERM): messages already read are finished and flushed, the partial line is dropped. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#input.off('data', this.#onData);
    this.#input.pause();
    if (this.#partialBytes > 0)
      this.#host.logger.warn({ bytes: this.#partialBytes }, 'gor: stopped inside a line; its bytes were not processed');
    this.#clearPartial();
    this.#ended = true;
    this.#maybeFinish();
  }

  #data(chunk: Buffer): void {
    if (this.#blocked || this.#stash !== undefined) {
      this.#backlog.push(chunk);
      return;
    }
    this.#consume(chunk, 0);
  }

  #end(): void {
    this.#ended = true;
    this.#maybeFinish();
  }

  #consume(chunk: Buffer, from: number): void {
    const scanner = this.#scanner;
    scanner.load(chunk);
    const length = chunk.length;
    let start = from;
    // Both fields are read every time: a load TurboFan never saw run (behind a short-circuit that
    // held for the first thousands of chunks) cost a deoptimization of this whole hot loop later.
    const skipping = this.#skipping;
    if (this.#partialBytes > 0 || skipping) {
      const stop = scanner.hexEnd(chunk, start, length);
      const nl = lineEnd(chunk, stop, length);
      if (nl < 0) {
        this.#addPartial(chunk.subarray(start), stop === length);
        this.#afterBatch();
        return;
      }
      if (skipping) {
        this.#skipping = false;
        start = nl + 1;
      } else if (this.#finishPartial(chunk, start, nl, this.#partialClean && stop === nl)) {
        this.#stash = { chunk, start: nl + 1 };
        this.#afterBatch();
        return;
      } else start = nl + 1;
    }
    for (;;) {
      // A clean line (nl === stop) takes the fast path; any other stop needs the general path.
      const stop = scanner.hexEnd(chunk, start, length);
      const nl = lineEnd(chunk, stop, length);
      if (nl < 0) {
        if (start < length) this.#addPartial(chunk.subarray(start), stop === length);
        break;
      }
      let blocked = false;
      if (nl - start > this.#host.maxLineBytes) this.#tooLong(nl - start);
      else if (nl === stop) blocked = this.#hexLine(chunk, start, nl, true, this.#nextLine());
      else blocked = this.#line(chunk, start, nl, true);
      start = nl + 1;
      if (blocked) {
        this.#stash = { chunk, start };
        this.#afterBatch();
        return;
      }
    }
    this.#afterBatch();
  }

  /**
   * The line that started in earlier reads ends at `nl` in this chunk; `clean` says every piece is
   * lowercase hex. Returns true when input must wait.
   */
  #finishPartial(chunk: Buffer, start: number, nl: number, clean: boolean): boolean {
    const total = this.#partialBytes + nl - start;
    if (total > this.#host.maxLineBytes) {
      this.#tooLong(total);
      this.#clearPartial();
      return false;
    }
    if (clean && this.#echoPieces(chunk, start, nl, total)) {
      this.#clearPartial();
      return false;
    }
    this.#partial.push(chunk.subarray(start, nl));
    const line = Buffer.concat(this.#partial, total);
    this.#clearPartial();
    return clean
      ? this.#hexLine(line, 0, line.length, false, this.#nextLine())
      : this.#line(line, 0, line.length, false);
  }

  /**
   * Passthrough of a clean line that spans reads (`total` hex digits), without joining its pieces:
   * when no handler is registered they are written as they are. Returns false (nothing done) when
   * the line needs the general path: handlers, or a header that does not fit in the first piece.
   */
  #echoPieces(chunk: Buffer, start: number, nl: number, total: number): boolean {
    const host = this.#host;
    if (host.submit !== undefined || !host.idle()) return false;
    const pieces = this.#partial;
    const first = pieces[0] as Buffer;
    const header = scanHexHeader(first, 0, first.length & ~1);
    if (typeof header === 'string') return false; // the general path reports it (or finds it past this piece)
    const lineNumber = this.#nextLine();
    if (total & 1) {
      this.#malformed(lineNumber, 'odd number of hex digits');
      return true;
    }
    const typeStats = host.stats.byType[header.type === '' ? 'other' : typeName(header.type)];
    typeStats.in++;
    typeStats.forwarded++;
    for (const piece of pieces) this.#out.push(piece);
    this.#out.slice(chunk, start, nl + 1);
    return true;
  }

  #nextLine(): number {
    this.#host.stats.lines++;
    return ++this.#lineNumber;
  }

  #clearPartial(): void {
    this.#partial = [];
    this.#partialBytes = 0;
    this.#partialClean = true;
  }

  /** Keep the start of a line that continues in the next read; `clean`: the piece is lowercase hex. */
  #addPartial(piece: Buffer, clean: boolean): void {
    if (this.#skipping) return;
    this.#partial.push(piece);
    this.#partialBytes += piece.length;
    this.#partialClean &&= clean;
    if (this.#partialBytes > this.#host.maxLineBytes) {
      this.#tooLong(this.#partialBytes);
      this.#clearPartial();
      this.#skipping = true;
    }
  }

  #tooLong(bytes: number): void {
    const lineNumber = this.#nextLine();
    this.#host.stats.tooLong++;
    this.#host.logger.error(
      { code: 'TRAFFIC_ERR_GOR_LINE_TOO_LONG', line: lineNumber, bytes, maxLineBytes: this.#host.maxLineBytes },
      `gor: line ${lineNumber} is longer than maxLineBytes (${this.#host.maxLineBytes} bytes of hex); skipped`,
    );
  }

  /**
   * Handle one line [start, end) of buf not known to be clean: a CR before its `\n`, bad bytes or
   * uppercase digits. `inChunk` says buf[end] is the line's own `\n`. Returns true when input must wait.
   */
  #line(buffer: Buffer, lineStart: number, lineEnd: number, inChunk: boolean): boolean {
    const lineNumber = this.#nextLine();
    let buf = buffer;
    let start = lineStart;
    let end = lineEnd;
    let echoable = inChunk;
    if (end > start && buf[end - 1] === 0x0d) {
      end--;
      echoable = false;
    }
    const scan = scanHex(buf, start, end);
    if (scan >= 0) return this.#malformed(lineNumber, `invalid hex character at column ${scan - start + 1}`);
    if (scan === HEX_UPPER) {
      buf = lowerHex(buf, start, end);
      start = 0;
      end = buf.length;
      echoable = false;
    }
    return this.#hexLine(buf, start, end, echoable, lineNumber);
  }

  /** Handle one line of lowercase hex digits: its header, then echo or dispatch. Returns true when input must wait. */
  #hexLine(buf: Buffer, start: number, end: number, echoable: boolean, lineNumber: number): boolean {
    const host = this.#host;
    const stats = host.stats;
    if (end === start) {
      stats.empty++;
      return false;
    }
    if ((end - start) & 1) return this.#malformed(lineNumber, 'odd number of hex digits');
    const header = scanHexHeader(buf, start, end);
    if (typeof header === 'string') return this.#malformed(lineNumber, header);
    const typeStats = stats.byType[header.type === '' ? 'other' : typeName(header.type)];
    typeStats.in++;

    if (host.idle() && host.submit === undefined) {
      typeStats.forwarded++;
      this.#echo(buf, start, end, echoable);
      return false;
    }
    if (host.submit !== undefined) return this.#submit(buf, start, end, header.payloadStart, lineNumber, typeStats);

    const source = { line: buf, start: header.payloadStart, end, headStart: start };
    const message =
      header.type === ''
        ? new GorMessage(hexHeaderFields(buf, start, header.payloadStart), source)
        : GorMessage.fromLine(source, header.type);
    message.lineNumber = lineNumber;
    if (this.#inflight === 0) {
      const result = host.dispatch(message);
      if (!(result instanceof Promise)) {
        // The common case allocates no closure: this method holds none (see #dispatchLater).
        this.#finish(result, message, echoable, typeStats);
        return false;
      }
      return this.#dispatchLater(message, result, echoable, typeStats);
    }
    return this.#dispatchLater(message, undefined, echoable, typeStats);
  }

  /** Queue a message behind any in-flight one of its ID (or await its pending dispatch). */
  #dispatchLater(
    message: GorMessage,
    pending: Promise<DispatchResult> | undefined,
    echoable: boolean,
    typeStats: TypeStats,
  ): boolean {
    return this.#track(
      message.ID,
      () => pending ?? this.#host.dispatch(message),
      (result) => this.#finish(result, message, echoable, typeStats),
    );
  }

  /** Write what dispatch decided: the original line, the re-encoded message, or nothing. */
  #finish(result: DispatchResult, message: GorMessage, echoable: boolean, typeStats: TypeStats): void {
    const source = message.lineSource as NonNullable<GorMessage['lineSource']>;
    if (result === FAILED) {
      typeStats.errors++;
      if (!this.#host.dropOnError) {
        typeStats.forwarded++;
        this.#echo(source.line, source.headStart, source.end, echoable);
      }
      return;
    }
    if (result === null) {
      typeStats.filtered++;
      return;
    }
    typeStats.forwarded++;
    if (result === message && !message.headChanged && !message.httpTouched) {
      this.#echo(source.line, source.headStart, source.end, echoable);
      return;
    }
    if (result !== message || message.headChanged || message.httpReplaced) typeStats.modified++;
    writeLine(this.#out, result);
  }

  /** Hand the line to a worker thread (a copy: the worker keeps it after this chunk is gone). */
  #submit(
    buf: Buffer,
    start: number,
    end: number,
    payloadStart: number,
    lineNumber: number,
    typeStats: TypeStats,
  ): boolean {
    const submit = this.#host.submit as NonNullable<EngineHost['submit']>;
    const id = hexHeaderFields(buf, start, payloadStart)[1] as string;
    const line = Buffer.from(buf.subarray(start, end));
    return this.#track(
      id,
      () => submit(line, id, lineNumber),
      (reply) => {
        if (reply.outcome === 'error') typeStats.errors++;
        if (reply.out === null) {
          if (reply.outcome === 'filtered') typeStats.filtered++;
          return;
        }
        typeStats.forwarded++;
        if (reply.outcome === 'modified') typeStats.modified++;
        this.#out.push(reply.out);
      },
    );
  }

  #echo(buf: Buffer, start: number, end: number, echoable: boolean): void {
    if (echoable) this.#out.slice(buf, start, end + 1);
    else {
      this.#out.push(buf.subarray(start, end));
      this.#out.push(NL);
    }
  }

  /** Run `work` after any in-flight message of the same ID; returns true when the input must wait. */
  #track<T>(id: string, work: () => T | Promise<T>, finish: (value: T) => void): boolean {
    this.#inflight++;
    const previous = this.#inflightIds.get(id);
    const promise: Promise<void> = (previous === undefined ? Promise.resolve(work()) : previous.then(work)).then(
      (value) => {
        finish(value);
      },
      (error: unknown) => {
        this.#host.logger.error({ err: error }, 'gor: internal error while handling a message');
      },
    );
    this.#inflightIds.set(id, promise);
    void promise.then(() => {
      if (this.#inflightIds.get(id) === promise) this.#inflightIds.delete(id);
      this.#inflight--;
      this.#scheduleFlush();
      if (this.#blocked && this.#inflight < this.#concurrency) {
        this.#blocked = false;
        this.#drainStash();
      }
      this.#maybeFinish();
    });
    if (this.#inflight >= this.#concurrency) {
      this.#blocked = true;
      return true;
    }
    return false;
  }

  #drainStash(): void {
    while (!this.#blocked) {
      const stash = this.#stash;
      if (stash !== undefined) {
        this.#stash = undefined;
        this.#consume(stash.chunk, stash.start);
        continue;
      }
      const next = this.#backlog.shift();
      if (next === undefined) break;
      this.#consume(next, 0);
    }
    this.#updateFlow();
  }

  #malformed(lineNumber: number, reason: string): false {
    this.#host.stats.malformed++;
    this.#host.logger.error(
      { code: 'TRAFFIC_ERR_GOR_MALFORMED_LINE', line: lineNumber },
      `gor: line ${lineNumber} skipped: ${reason}`,
    );
    return false;
  }

  #afterBatch(): void {
    const buffered = this.#out.flush();
    if (buffered > this.#host.maxBufferedBytes && !this.#congested) {
      this.#congested = true;
      this.#output.once('drain', () => {
        this.#congested = false;
        this.#updateFlow();
        this.#maybeFinish();
      });
    }
    this.#updateFlow();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#afterBatch();
    });
  }

  #updateFlow(): void {
    if (this.#stopped) return;
    const hold = this.#blocked || this.#congested || this.#stash !== undefined;
    if (hold && !this.#input.isPaused()) this.#input.pause();
    else if (!hold && this.#input.isPaused() && !this.#ended) this.#input.resume();
  }

  #maybeFinish(): void {
    if (!this.#ended || this.#resolve === undefined) return;
    if (this.#blocked || this.#stash !== undefined || this.#backlog.length > 0 || this.#inflight > 0) return;
    if (this.#partialBytes > 0 && !this.#stopped) {
      // The last line had no '\n': still a message.
      const line = Buffer.concat(this.#partial, this.#partialBytes);
      this.#clearPartial();
      if (this.#line(line, 0, line.length, false)) return;
    }
    this.#out.flush();
    const resolve = this.#resolve;
    if (this.#output.writableLength === 0 && !this.#output.writableNeedDrain) {
      this.#resolve = undefined;
      resolve();
      return;
    }
    if (this.#congested) return; // the drain listener calls back here
    this.#resolve = undefined;
    this.#output.once('drain', () => resolve());
  }
}
