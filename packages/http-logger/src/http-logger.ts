import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { TrafficError } from '@traffic/core';
import { RequestCounters } from './counters.js';
import { HTTP_LOGGER_ERRORS, sinkFailedError } from './errors.js';
import { asciiJson, DurationText, jsonString } from './json-text.js';
import { type HttpLoggerOptions, LOG_FIELDS, type LogField, type ResolvedOptions, resolveOptions } from './options.js';
import { renderPrometheus } from './prometheus.js';
import { redactUrl } from './redact-url.js';
import { isValidRequestId, mintRequestId } from './request-id.js';
import { collapsePath, defaultRouteTemplate, routeTemplateOf } from './route-template.js';
import type { LogSink, SinkInput } from './sink.js';
import { stdoutSink } from './stdout-sink.js';
import { toSink } from './to-sink.js';
import { isValidTraceparent, mintTraceparent } from './traceparent.js';

/** A request the logger has seen: `id` is its request id. */
export type LoggedRequest = IncomingMessage & { id: string };

export interface HttpLoggerStats {
  /** Lines produced (one per logged request). */
  lines: number;
  /** Lines sinks could not deliver (buffer full, destination failed, function threw). */
  linesDropped: number;
  /** Incoming request ids replaced because they were invalid. */
  idsReplaced: number;
  /** User callbacks (extraFields, skip, routeTemplate) that threw. */
  callbackErrors: number;
  /** Requests being served right now. */
  inFlight: number;
}

const MILLIS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

const kState = Symbol('traffic.httpLogger.state');
const STANDARD_FIELDS: ReadonlySet<string> = new Set(LOG_FIELDS);

type Tracked = ServerResponse & { [kState]?: RequestState };
type WriteFn = ServerResponse['write'];
type EndFn = ServerResponse['end'];

/** Per-request facts, kept on the response under a symbol (no closure per request). */
class RequestState {
  logger: HttpLogger;
  req: IncomingMessage;
  startNs: bigint;
  startWall: number;
  url: string;
  id: string;
  ip: string | undefined = undefined;
  /** express mount path when the response ended (for the default route template). */
  baseUrl: string | undefined = undefined;
  traceparent: string | undefined = undefined;
  bytes = 0;
  write: WriteFn | undefined = undefined;
  end: EndFn | undefined = undefined;
  done = false;

  constructor(logger: HttpLogger, req: IncomingMessage, startNs: bigint, startWall: number, url: string, id: string) {
    this.logger = logger;
    this.req = req;
    this.startNs = startNs;
    this.startWall = startWall;
    this.url = url;
    this.id = id;
  }
}

function chunkBytes(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string') {
    // Latin-1/ASCII strings: length is the byte count for the common encodings of short bodies.
    return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  }
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}

// Counting wrappers shared by every response: they add the chunk's length and pass the same
// arguments through (no copy, no buffering), so streaming and SSE are untouched.
function countingWrite(this: Tracked, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
  const state = this[kState] as RequestState;
  if (chunk != null && !this.destroyed) state.bytes += chunkBytes(chunk, encoding);
  return (state.write as (c: unknown, e: unknown, cb: unknown) => boolean).call(this, chunk, encoding, callback);
}

function countingEnd(this: Tracked, chunk?: unknown, encoding?: unknown, callback?: unknown): ServerResponse {
  const state = this[kState] as RequestState;
  const baseUrl = (state.req as { baseUrl?: unknown }).baseUrl;
  if (typeof baseUrl === 'string' && state.baseUrl === undefined) state.baseUrl = baseUrl;
  if (chunk != null && typeof chunk !== 'function' && !this.destroyed && !this.writableEnded) {
    state.bytes += chunkBytes(chunk, encoding);
  }
  return (state.end as (c: unknown, e: unknown, cb: unknown) => ServerResponse).call(this, chunk, encoding, callback);
}

// 'close' fires exactly once per response: after 'finish', or when the connection goes away first.
function onResponseClose(this: Tracked): void {
  const state = this[kState];
  if (state === undefined || state.done) return;
  state.done = true;
  state.logger.complete(state, this);
}

/**
 * The request logger: ids, timing, one JSON line per request to every sink, optional counters.
 * withRequestLogging() and requestLogger() are thin wrappers around attach().
 */
export class HttpLogger {
  readonly options: ResolvedOptions;
  /** Present when counters are enabled. */
  readonly counters: RequestCounters | undefined;
  readonly #sinks: LogSink[] = [];
  readonly #owned = new Set<LogSink>();
  readonly #fields: Record<string, boolean>;
  readonly #countBytes: boolean;
  readonly #idIsSafe: boolean;
  #lines = 0;
  #idsReplaced = 0;
  #callbackErrors = 0;
  #inFlight = 0;
  #sinkThrows = 0;
  #lastSecond = Number.NaN;
  #secondPrefix = '';
  readonly #keys: Record<LogField, string>;
  readonly #duration = new DurationText();

  constructor(options: HttpLoggerOptions = {}) {
    const o = resolveOptions(options);
    this.options = o;
    this.counters = o.counters ? new RequestCounters(o.maxRoutes) : undefined;
    this.#fields = Object.fromEntries(LOG_FIELDS.map((field) => [field, o.fields.has(field)]));
    const first = LOG_FIELDS.find((field) => o.fields.has(field));
    this.#keys = Object.fromEntries(
      LOG_FIELDS.map((field) => [field, `${field === first ? '{' : ','}"${field}":`]),
    ) as Record<LogField, string>;
    this.#countBytes = o.fields.has('bytes') || o.counters;
    this.#idIsSafe = o.generateId === undefined;
    if (o.stdout) this.#addSink(stdoutSink(), false);
    for (const input of o.sinks) this.#addSink(toSink(input, 'httpLogger.sinks', o.maxBufferedBytes), true);
  }

  /** Add a destination (a LogSink, a function (line) => void, or a writable stream). */
  addLogger(sink: SinkInput): this {
    this.#addSink(toSink(sink, 'addLogger(sink)', this.options.maxBufferedBytes), true);
    return this;
  }

  #addSink(sink: LogSink, closeWithLogger: boolean): void {
    if (sink.onError === undefined) {
      sink.onError = (error) => this.options.logger.error({ err: error }, error.message);
    }
    this.#sinks.push(sink);
    if (closeWithLogger) this.#owned.add(sink);
  }

  /**
   * Start tracking one request: settle its id (req.id, the request header, the response header),
   * optional traceparent, and log it once when the response closes. Returns false when the request
   * is already tracked (the logger was installed twice), so it is never logged twice.
   */
  attach(req: IncomingMessage, res: ServerResponse): boolean {
    const tracked = res as Tracked;
    if (tracked[kState] !== undefined) return false;
    const o = this.options;
    const clock = o.clock;
    const headers = req.headers;

    let id: string | undefined;
    if (o.trustIncomingId) {
      const incoming = headers[o.requestIdHeader];
      if (incoming !== undefined) {
        if (isValidRequestId(incoming, o.maxIdLength)) id = incoming;
        else this.#idsReplaced++;
      }
    }
    if (id === undefined) {
      id = o.generateId === undefined ? mintRequestId() : String(o.generateId());
      // A proxy forwards the request's headers: forward the id we log, never an invalid one.
      headers[o.requestIdHeader] = id;
    }
    (req as LoggedRequest).id = id;
    if (o.setResponseHeader) res.setHeader(o.requestIdHeaderName, id);

    const originalUrl = (req as { originalUrl?: unknown }).originalUrl;
    const state = new RequestState(
      this,
      req,
      clock.nowNs(),
      clock.wallMs(),
      typeof originalUrl === 'string' ? originalUrl : (req.url ?? ''),
      id,
    );

    if (this.#fields.ip_address) state.ip = this.#clientIp(req);
    if (o.traceparent) {
      const incoming = headers.traceparent;
      const value = isValidTraceparent(incoming) ? incoming : mintTraceparent();
      state.traceparent = value;
      if (o.traceparentOnRequest) headers.traceparent = value;
      if (o.traceparentOnResponse) res.setHeader('traceparent', value);
    }

    tracked[kState] = state;
    if (this.#countBytes) {
      state.write = res.write;
      state.end = res.end;
      res.write = countingWrite as WriteFn;
      res.end = countingEnd as EndFn;
    }
    this.#inFlight++;
    res.on('close', onResponseClose);
    return true;
  }

  #clientIp(req: IncomingMessage): string | undefined {
    if (this.options.trustProxy) {
      const forwarded = req.headers['x-forwarded-for'];
      if (typeof forwarded === 'string') {
        const comma = forwarded.indexOf(',');
        const first = (comma === -1 ? forwarded : forwarded.slice(0, comma)).trim();
        if (isIP(first) !== 0) return first;
      }
    }
    return req.socket.remoteAddress;
  }

  /** Called once per tracked response when it closes (internal; exported for the wrappers). */
  complete(state: RequestState, res: ServerResponse): void {
    this.#inFlight--;
    const o = this.options;
    const req = state.req;
    if (o.skip !== undefined && this.#skipped(req, res)) return;
    const endNs = o.clock.nowNs();
    const aborted = !res.writableFinished;
    // An aborted request reports the status it actually sent, or 0 when the head never went out.
    const status = aborted && !res.headersSent ? 0 : res.statusCode;
    const durationNs = endNs - state.startNs;
    const durationMs = Number(durationNs) / 1e6;
    const method = req.method ?? '';
    const bytes = method === 'HEAD' || status === 204 || status === 304 ? 0 : state.bytes;

    if (this.counters !== undefined) {
      let route: string;
      try {
        route =
          o.routeTemplate === defaultRouteTemplate
            ? routeTemplateOf(req, state.baseUrl)
            : String(o.routeTemplate(req, res));
      } catch (error) {
        this.#callbackFailed('routeTemplate', error);
        route = collapsePath(state.url);
      }
      this.counters.record(method, route, status, aborted, durationMs, bytes);
    }
    if (this.#sinks.length === 0) return;

    const f = this.#fields;
    const k = this.#keys;
    // Plain concatenation with precomputed `{"name":` / `,"name":` prefixes: no array, no
    // JSON.stringify of a whole object, strings escaped one by one (no log injection).
    let s = '';
    if (f.time) s += `${k.time}"${this.#iso(state.startWall)}"`;
    if (f.request_id) s += k.request_id + (this.#idIsSafe ? `"${state.id}"` : jsonString(state.id));
    if (f.method) s += k.method + jsonString(method);
    if (f.url) s += k.url + jsonString(this.#logUrl(state.url));
    if (f.status) s += k.status + status;
    const duration = this.#duration;
    duration.set(durationNs);
    if (f.duration) s += k.duration + duration.go;
    if (f.duration_ms) s += k.duration_ms + duration.ms;
    if (f.bytes) s += k.bytes + bytes;
    if (f.ip_address) s += k.ip_address + (state.ip === undefined ? 'null' : jsonString(state.ip));
    if (f.user_agent) {
      const ua = req.headers['user-agent'];
      s += k.user_agent + (ua === undefined ? 'null' : jsonString(ua));
    }
    if (f.aborted) s += k.aborted + aborted;
    if (f.traceparent && state.traceparent !== undefined) s += `${k.traceparent}"${state.traceparent}"`;
    let extra = o.staticExtra;
    if (o.extraFn !== undefined) extra += this.#extra(req, res);
    // With no standard field selected the extras open the object.
    const line = s === '' ? `{${extra.slice(1)}}` : `${s}${extra}}`;
    this.#lines++;
    for (const sink of this.#sinks) {
      try {
        sink.writeLine(line);
      } catch (error) {
        // A LogSink must not throw; if one does, the request and the other sinks are unaffected.
        this.#sinkThrows++;
        if (this.#sinkThrows === 1) this.#report(sinkFailedError('custom LogSink', error));
      }
    }
  }

  #skipped(req: IncomingMessage, res: ServerResponse): boolean {
    try {
      return this.options.skip?.(req, res) === true;
    } catch (error) {
      this.#callbackFailed('skip', error);
      return false;
    }
  }

  // Counted every time, reported once: a callback that throws usually throws for every request.
  #callbackFailed(name: string, cause: unknown): void {
    this.#callbackErrors++;
    if (this.#callbackErrors === 1) {
      this.#report(
        new TrafficError(HTTP_LOGGER_ERRORS.callbackFailed, `${name} threw; the request is logged without it`, {
          cause,
          details: { callback: name },
        }),
      );
    }
  }

  #report(error: TrafficError): void {
    this.options.logger.error({ err: error }, error.message);
  }

  // RFC 3339 in UTC with milliseconds; the Date is formatted once per second, not per request.
  #iso(wallMs: number): string {
    const ms = Math.floor(wallMs);
    const second = Math.floor(ms / 1000);
    if (second !== this.#lastSecond) {
      this.#lastSecond = second;
      this.#secondPrefix = new Date(second * 1000).toISOString().slice(0, 20);
    }
    return `${this.#secondPrefix}${MILLIS[ms - second * 1000]}Z`;
  }

  #logUrl(url: string): string {
    const redacted = redactUrl(url, this.options.redactQuery);
    const max = this.options.maxUrlLength;
    return redacted.length > max ? `${redacted.slice(0, max)}…` : redacted;
  }

  #extra(req: IncomingMessage, res: ServerResponse): string {
    let fields: Record<string, unknown> | undefined;
    try {
      fields = this.options.extraFn?.(req, res);
    } catch (error) {
      this.#callbackFailed('extraFields', error);
      return '';
    }
    if (fields === null || typeof fields !== 'object') return '';
    let s = '';
    for (const key of Object.keys(fields)) {
      if (STANDARD_FIELDS.has(key)) continue;
      let json: string | undefined;
      try {
        json = JSON.stringify(fields[key]);
      } catch {
        json = '"[unserializable]"';
      }
      if (json !== undefined) s += `,${jsonString(key)}:${asciiJson(json)}`;
    }
    return s;
  }

  /**
   * Answer GET/HEAD countersPath (JSON) and metricsPath (Prometheus text); true when it answered.
   * Requires counters.
   */
  serveCounters(req: IncomingMessage, res: ServerResponse): boolean {
    const counters = this.counters;
    if (counters === undefined) return false;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const o = this.options;
    if (path !== o.countersPath && path !== o.metricsPath) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return true;
    }
    const stats = this.stats();
    let body: string;
    let type: string;
    if (path === o.countersPath) {
      body = `${JSON.stringify({ ...counters.snapshot(), lines: stats.lines, lines_dropped: stats.linesDropped, ids_replaced: stats.idsReplaced })}\n`;
      type = 'application/json; charset=utf-8';
    } else {
      body = renderPrometheus(counters, stats);
      type = 'text/plain; version=0.0.4; charset=utf-8';
    }
    res.writeHead(200, {
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }

  /** A handler (node:http or connect style) serving the counters; other paths get next() or 404. */
  countersHandler(): (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void {
    if (this.counters === undefined) {
      throw new TrafficError(
        HTTP_LOGGER_ERRORS.countersDisabled,
        'countersHandler() needs a logger created with { counters: true } (or serveCounters: true)',
      );
    }
    return (req, res, next) => {
      if (this.serveCounters(req, res)) return;
      if (next !== undefined) {
        next();
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
    };
  }

  stats(): HttpLoggerStats {
    let dropped = this.#sinkThrows;
    for (const sink of this.#sinks) dropped += sink.dropped ?? 0;
    return {
      lines: this.#lines,
      linesDropped: dropped,
      idsReplaced: this.#idsReplaced,
      callbackErrors: this.#callbackErrors,
      inFlight: this.#inFlight,
    };
  }

  /** Resolves when every sink has handed over the lines written so far. */
  async flush(): Promise<void> {
    await Promise.all(this.#sinks.map((sink) => sink.flush?.()));
  }

  /** Flush every sink and close the ones this logger was given (stdout is only flushed). */
  async close(): Promise<void> {
    await Promise.all(this.#sinks.map((sink) => (this.#owned.has(sink) ? sink.close?.() : sink.flush?.())));
  }
}

/** Create a logger; share one between several wrappers to share sinks and counters. */
export function createHttpLogger(options: HttpLoggerOptions = {}): HttpLogger {
  return new HttpLogger(options);
}
