import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HookEvent, TrafficError } from '@traffic/core';
import { integerOption, toError } from '@traffic/core';
import type { Dispatcher } from 'undici';
import { readLimited, toBuffer } from './body-reader.js';
import { sendProxyError } from './error-response.js';
import { EVENT_PROXY_ERRORS, proxyError, statusForError, upstreamFailure } from './errors.js';
import type { BodyOptions } from './filter-event.js';
import { ProxyFilterEvent } from './filter-event.js';
import {
  cleanHeaderMap,
  forwardRequestHeadersObject,
  forwardRequestHeadersObjectRaw,
  forwardRequestHeadersRaw,
  rawHasBody,
  responseHeadersObject,
  responseHeadersRaw,
} from './forward-headers.js';
import type { EndpointRuntime, ProxyContext } from './proxy-context.js';
import { TransactionEndedEvent, TransactionMessageEvent, TransactionStartedEvent } from './transaction-events.js';
import type { HeaderMap, ProxyRequest, ProxyResponse, TransactionInfo, TransactionOutcome } from './types.js';
import type { Upstream } from './upstreams.js';
import { upstreamPath } from './upstreams.js';

// What the undici handler does with the upstream response body.
const HOLD = 1; // head received while listeners run: up to HOLD_BYTES are kept, then the upstream is paused
const DIRECT = 2; // written to the client as it arrives (backpressure: pause on a full socket)
const BUFFER = 3; // collected for event.body(), up to a limit
const DISCARD = 4; // a listener replaced the body: drain so the keep-alive connection survives
const HOLD_BYTES = 64 * 1024;

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

/**
 * One request through the proxy. It is also the undici dispatch handler for its upstream call, so
 * the no-listener path allocates nothing per request beyond header arrays: the upstream head and
 * body go straight to the client response with backpressure.
 *
 * With listeners, `#flow` runs the lifecycle: started → filter.request → client.filter.request →
 * message(request) → upstream → client.filter.response → filter.response → message(response) →
 * response → ended. `transaction.ended` is dispatched exactly once, from `#end`, after the client
 * response closed and the flow settled.
 */
export class Transaction implements Dispatcher.DispatchHandler {
  readonly #ctx: ProxyContext;
  readonly #endpoint: EndpointRuntime;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  #upstream: Upstream | undefined = undefined;
  #mode = DIRECT;
  #abortUpstream: ((error?: Error) => void) | undefined = undefined;
  #resumeUpstream: (() => void) | undefined = undefined;
  #upstreamDone = false;
  #closed = false;
  #ended = false;
  #busy = false;
  #forged = false;
  /** Set when the proxy answered for the upstream or a limit: decides the outcome. */
  #failOutcome: TransactionOutcome | undefined = undefined;
  #failure: Error | undefined = undefined;
  /** A body limit or upstream failure hit while a listener waited on event.body(). */
  #bodyFailure: { error: TrafficError; outcome: TransactionOutcome } | undefined = undefined;
  #status: number | undefined = undefined;
  // Listener path only.
  #info: TransactionInfo | undefined = undefined;
  #request: ProxyRequest | undefined = undefined;
  #requestBody: Promise<Buffer> | undefined = undefined;
  #headWaiter: Waiter<ProxyResponse> | undefined = undefined;
  #pending: Buffer[] | undefined = undefined;
  #pendingBytes = 0;
  #bodyParts: Buffer[] = [];
  #bodyBytes = 0;
  #bodyLimit = 0;
  #bodyWaiter: Waiter<Buffer> | undefined = undefined;
  #responseBody: Promise<Buffer> | undefined = undefined;
  #bodyTaken = false;
  #startNs = 0n;
  #dispatchNs = 0n;
  #upstreamHeadNs = 0n;
  #headNs = 0n;

  constructor(ctx: ProxyContext, endpoint: EndpointRuntime, req: IncomingMessage, res: ServerResponse) {
    this.#ctx = ctx;
    this.#endpoint = endpoint;
    this.#req = req;
    this.#res = res;
  }

  start(): void {
    this.#ctx.stats.transactions++;
    this.#ctx.stats.inFlight++;
    this.#res.on('close', this.#onClose);
    if (this.#ctx.hooked) {
      this.#busy = true;
      this.#flow()
        .catch((thrown: unknown) => {
          // A bug of ours or a listener-made value node refused: answer, report, keep serving.
          const error = toError(thrown);
          this.#ctx.reportError(error);
          this.#failOutcome ??= 'listener_error';
          this.#failure ??= error;
          if (!this.#upstreamDone) {
            this.#upstreamDone = true;
            this.#abortUpstream?.(error);
          }
          if (!this.#closed) sendProxyError(this.#res, 500, EVENT_PROXY_ERRORS.LISTENER_FAILED.code);
        })
        .finally(() => {
          this.#busy = false;
          if (this.#closed) this.#end();
        });
      return;
    }
    this.#fastForward();
  }

  // ---- the fast path: no listeners, no event objects, bodies piped ----

  #fastForward(): void {
    const req = this.#req;
    const upstream = this.#endpoint.upstreams.pick();
    const path = upstreamPath(req.url ?? '', upstream.basePath);
    if (path === undefined) {
      this.#reject(proxyError('BAD_TARGET', `request target ${JSON.stringify(req.url)} is not a path`));
      return;
    }
    this.#upstream = upstream;
    const raw = req.rawHeaders;
    const options = this.#ctx.options;
    const idHeader = this.#ctx.requestIdHeader;
    const id = idHeader === undefined ? undefined : req.headers[idHeader];
    const headers = forwardRequestHeadersRaw(raw, {
      remoteAddress: req.socket.remoteAddress ?? '',
      xForwarded: options.xForwarded,
      upstreamHost: options.changeOrigin ? upstream.host : undefined,
      requestId: typeof id === 'string' ? { name: idHeader as string, value: id } : undefined,
    });
    upstream.pool.dispatch({ path, method: req.method as string, headers, body: rawHasBody(raw) ? req : null }, this);
  }

  #reject(error: TrafficError): void {
    this.#failOutcome = 'rejected';
    this.#failure = error;
    sendProxyError(this.#res, statusForError(error), error.code, true);
  }

  // ---- undici dispatch handler (the legacy form: raw headers, no per-request wrapper) ----

  onConnect(abort: (error?: Error) => void): void {
    this.#abortUpstream = abort;
    if (this.#closed) abort(proxyError('CLIENT_ABORTED', 'client closed the connection'));
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void, statusText: string): boolean {
    if (status < 200) return true; // 1xx informational: the final head follows
    this.#resumeUpstream = resume;
    if (this.#mode === DIRECT) {
      if (this.#closed) return false;
      this.#status = status;
      if (this.#info !== undefined) {
        // Listener path streaming directly: transaction.ended still reports timings.
        this.#upstreamHeadNs = process.hrtime.bigint();
        this.#headNs = this.#upstreamHeadNs;
      }
      const res = this.#res;
      const headers = responseHeadersRaw(raw);
      if (this.#ctx.requestIdHeader === undefined) {
        res.writeHead(status, statusText || undefined, headers);
      } else {
        // Headers were already set (the access log's X-Request-Id): writeHead would merge the array
        // with setHeader and keep only the last Set-Cookie; append each one instead.
        for (let i = 0; i < headers.length; i += 2) res.appendHeader(headers[i] as string, headers[i + 1] as string);
        res.writeHead(status, statusText || undefined);
      }
      return true;
    }
    this.#upstreamHeadNs = process.hrtime.bigint();
    const waiter = this.#headWaiter;
    this.#headWaiter = undefined;
    waiter?.resolve({ status, statusText: statusText || undefined, headers: responseHeadersObject(raw) });
    // Keep reading while listeners run: small bodies are usually complete by the time they return,
    // which saves a pause/resume of the upstream parser. onData pauses past HOLD_BYTES.
    return true;
  }

  onData(chunk: Buffer): boolean {
    switch (this.#mode) {
      case DIRECT:
        if (this.#res.write(chunk)) return true;
        this.#res.once('drain', this.#onDrain);
        return false;
      case BUFFER:
        this.#bodyBytes += chunk.length;
        if (this.#bodyBytes > this.#bodyLimit) {
          const error = proxyError(
            'RESPONSE_BODY_TOO_LARGE',
            `upstream response body exceeds the filter's limit of ${this.#bodyLimit} bytes`,
            { details: { limit: this.#bodyLimit } },
          );
          this.#bodyFailure = { error, outcome: 'rejected' };
          const waiter = this.#bodyWaiter;
          this.#bodyWaiter = undefined;
          this.#bodyParts = [];
          this.#upstreamDone = true;
          this.#abortUpstream?.(error);
          waiter?.reject(error);
          return false;
        }
        this.#bodyParts.push(chunk);
        return true;
      case HOLD:
        if (this.#pending === undefined) this.#pending = [chunk];
        else this.#pending.push(chunk);
        this.#pendingBytes += chunk.length;
        return this.#pendingBytes < HOLD_BYTES;
      default:
        return true;
    }
  }

  onComplete(): void {
    this.#upstreamDone = true;
    if (this.#mode === DIRECT) {
      if (!this.#closed) this.#res.end();
    } else if (this.#mode === BUFFER) {
      const waiter = this.#bodyWaiter;
      this.#bodyWaiter = undefined;
      waiter?.resolve(Buffer.concat(this.#bodyParts, this.#bodyBytes));
      this.#bodyParts = [];
    }
  }

  onError(cause: Error): void {
    this.#upstreamDone = true;
    const failure =
      (cause as { code?: unknown }).code === EVENT_PROXY_ERRORS.RESPONSE_BODY_TOO_LARGE.code ||
      (cause as { code?: unknown }).code === EVENT_PROXY_ERRORS.CLIENT_ABORTED.code
        ? (cause as TrafficError)
        : upstreamFailure(cause, this.#upstream?.origin ?? 'upstream');
    const head = this.#headWaiter;
    const body = this.#bodyWaiter;
    this.#headWaiter = undefined;
    this.#bodyWaiter = undefined;
    if (head !== undefined) {
      head.reject(failure);
      return;
    }
    if (this.#closed) {
      body?.reject(failure);
      return;
    }
    const outcome = failure.code === EVENT_PROXY_ERRORS.UPSTREAM_TIMEOUT.code ? 'timeout' : 'upstream_error';
    if (this.#mode === DIRECT) {
      this.#failOutcome = outcome;
      this.#failure = failure;
      this.#ctx.logger.debug({ err: failure, upstream: this.#upstream?.origin }, 'upstream failed');
      sendProxyError(this.#res, statusForError(failure), failure.code);
      return;
    }
    // Listeners hold the head or are buffering: the flow answers once they return.
    this.#bodyFailure ??= { error: failure, outcome };
    body?.reject(failure);
  }

  // Created on first backpressure only: most responses never fill the client socket.
  #onDrainFn: (() => void) | undefined = undefined;
  get #onDrain(): () => void {
    if (this.#onDrainFn === undefined) this.#onDrainFn = () => this.#resumeUpstream?.();
    return this.#onDrainFn;
  }

  readonly #onClose = (): void => {
    this.#closed = true;
    if (!this.#upstreamDone && !this.#res.writableFinished) {
      this.#abortUpstream?.(proxyError('CLIENT_ABORTED', 'client closed the connection'));
    }
    if (!this.#busy) this.#end();
  };

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const ctx = this.#ctx;
    ctx.stats.inFlight--;
    const outcome: TransactionOutcome =
      this.#failOutcome ?? (!this.#res.writableFinished ? 'client_aborted' : this.#forged ? 'forged' : 'ok');
    ctx.stats.outcomes[outcome]++;
    const info = this.#info;
    if (info === undefined || !ctx.hooks.has('transaction.ended')) return;
    const now = process.hrtime.bigint();
    const event = new TransactionEndedEvent(
      info,
      outcome,
      this.#res.headersSent ? this.#status : undefined,
      {
        totalMs: ms(this.#startNs, now),
        upstreamMs: this.#upstreamHeadNs === 0n ? undefined : ms(this.#dispatchNs, this.#upstreamHeadNs),
        firstByteMs: this.#headNs === 0n ? undefined : ms(this.#startNs, this.#headNs),
      },
      outcome === 'client_aborted' && this.#failure === undefined
        ? proxyError('CLIENT_ABORTED', 'client closed the connection before the response ended')
        : this.#failure,
    );
    // Listener errors are reported by the registry; nothing can be answered any more.
    void ctx.hooks.run('transaction.ended', event);
  }

  // ---- the listener path ----

  async #flow(): Promise<void> {
    const ctx = this.#ctx;
    const hooks = ctx.hooks;
    const req = this.#req;
    this.#startNs = process.hrtime.bigint();
    const upstream = this.#endpoint.upstreams.pick();
    this.#upstream = upstream;
    const info: TransactionInfo = {
      id: ctx.nextId(),
      method: req.method ?? 'GET',
      url: req.url ?? '',
      remoteAddress: req.socket.remoteAddress ?? '',
      endpoint: this.#endpoint.label,
      startedAt: Date.now(),
      upstream: upstream.origin,
      state: {},
    };
    this.#info = info;
    const request: ProxyRequest = {
      method: info.method,
      url: info.url,
      headers: this.#requestHeaders(upstream, info.remoteAddress),
    };
    this.#request = request;

    if (hooks.has('transaction.started')) {
      const event = await hooks.run('transaction.started', new TransactionStartedEvent(info, request));
      if (this.#stopAfter(event)) return this.#stopping;
    }
    let response: ProxyResponse | undefined;
    if (hooks.has('filter.request')) {
      const event = await hooks.run(
        'filter.request',
        new ProxyFilterEvent('request', info, request, undefined, this.#readBody),
      );
      if (this.#stopAfter(event)) return this.#stopping;
      response = event.response;
    }
    if (response === undefined && hooks.has('client.filter.request')) {
      const event = await hooks.run(
        'client.filter.request',
        new ProxyFilterEvent('request', info, request, undefined, this.#readBody),
      );
      if (this.#stopAfter(event)) return this.#stopping;
      response = event.response;
    }
    if (hooks.has('transaction.message')) {
      const event = await hooks.run(
        'transaction.message',
        new TransactionMessageEvent(info, 'request', request, response, undefined),
      );
      if (this.#stopAfter(event)) return this.#stopping;
    }
    if (response !== undefined) {
      this.#forged = true;
    } else {
      const path = upstreamPath(request.url, upstream.basePath);
      if (path === undefined) {
        await this.#answer(
          proxyError('BAD_TARGET', `request target ${JSON.stringify(request.url)} is not a path`),
          'rejected',
        );
        return;
      }
      if (!hooks.has('client.filter.response') && !hooks.has('filter.response') && !hooks.has('transaction.message')) {
        // Nobody looks at the response: stream it as the fast path does (no hold, no objects).
        this.#mode = DIRECT;
        this.#dispatch(upstream, request, path);
        return;
      }
      try {
        response = await this.#callUpstream(upstream, request, path);
      } catch (thrown) {
        const error = thrown as TrafficError;
        if (this.#closed) return;
        await this.#answer(
          error,
          error.code === EVENT_PROXY_ERRORS.UPSTREAM_TIMEOUT.code ? 'timeout' : 'upstream_error',
        );
        return;
      }
      if (this.#closed) return;
      if (hooks.has('client.filter.response')) {
        const event = await hooks.run(
          'client.filter.response',
          new ProxyFilterEvent('response', info, request, response, this.#readBody),
        );
        if (this.#stopAfter(event)) return this.#stopping;
        response = event.response ?? response;
      }
    }
    if (hooks.has('filter.response')) {
      const event = await hooks.run(
        'filter.response',
        new ProxyFilterEvent('response', info, request, response, this.#readBody),
      );
      if (this.#stopAfter(event)) return this.#stopping;
      response = event.response ?? response;
    }
    if (hooks.has('transaction.message')) {
      const event = await hooks.run(
        'transaction.message',
        new TransactionMessageEvent(info, 'response', request, response, undefined),
      );
      if (this.#stopAfter(event)) return this.#stopping;
    }
    if (this.#closed) return;
    if (this.#bodyFailure !== undefined) {
      await this.#answer(this.#bodyFailure.error, this.#bodyFailure.outcome);
      return;
    }
    this.#send(response);
  }

  /** What #stopAfter decided to answer (a promise the flow returns), or undefined when closed. */
  #stopping: Promise<void> | undefined = undefined;

  /**
   * After each dispatch (synchronous, so the common "carry on" costs no promise): stop when the
   * client left, a body limit or upstream failure hit during event.body(), or a listener threw
   * (answered per listenerErrorPolicy). The answer, if any, is left in #stopping.
   */
  #stopAfter(event: HookEvent): boolean {
    if (this.#closed) return true;
    if (this.#bodyFailure !== undefined) {
      this.#stopping = this.#answer(this.#bodyFailure.error, this.#bodyFailure.outcome);
      return true;
    }
    if (event.error === undefined || this.#ctx.options.listenerErrorPolicy === 'continue') return false;
    this.#stopping = this.#answer(
      proxyError('LISTENER_FAILED', `a listener threw: ${event.error.message}`, { cause: event.error }),
      'listener_error',
    );
    return true;
  }

  /** A proxy-made answer: message(error), then the short coded response. */
  async #answer(error: TrafficError, outcome: TransactionOutcome): Promise<void> {
    this.#failOutcome = outcome;
    this.#failure = error;
    const info = this.#info as TransactionInfo;
    if (this.#ctx.hooks.has('transaction.message')) {
      await this.#ctx.hooks.run(
        'transaction.message',
        new TransactionMessageEvent(info, 'error', this.#request as ProxyRequest, undefined, error),
      );
    }
    if (this.#closed) return;
    if (!this.#upstreamDone) {
      // Nobody will read the rest of the upstream body.
      this.#upstreamDone = true;
      this.#abortUpstream?.(error);
    }
    const status = statusForError(error);
    sendProxyError(this.#res, status, error.code, status === 413 || status === 400);
  }

  #requestHeaders(upstream: Upstream, remoteAddress: string): HeaderMap {
    const context = {
      remoteAddress,
      xForwarded: this.#ctx.options.xForwarded,
      upstreamHost: this.#ctx.options.changeOrigin ? upstream.host : undefined,
    };
    // The access log edits req.headers (request id, traceparent): forward what it settled.
    return this.#ctx.requestIdHeader === undefined
      ? forwardRequestHeadersObjectRaw(this.#req.rawHeaders, context)
      : forwardRequestHeadersObject(this.#req.headers, context);
  }

  /** Send the (filtered) request upstream; the response goes wherever #mode says. */
  #dispatch(upstream: Upstream, request: ProxyRequest, path: string): void {
    let headers = cleanHeaderMap(request.headers);
    let body: Buffer | IncomingMessage | null = null;
    if (request.body !== undefined) {
      body = toBuffer(request.body);
      headers = { ...headers, 'content-length': String(body.length) };
      delete headers['transfer-encoding'];
    } else if (this.#requestBody === undefined && rawHasBody(this.#req.rawHeaders)) {
      body = this.#req;
    }
    this.#dispatchNs = process.hrtime.bigint();
    upstream.pool.dispatch({ path, method: request.method, headers, body }, this);
  }

  /** Dispatch and hold the response head for the response listeners. */
  #callUpstream(upstream: Upstream, request: ProxyRequest, path: string): Promise<ProxyResponse> {
    this.#mode = HOLD;
    return new Promise<ProxyResponse>((resolve, reject) => {
      this.#headWaiter = { resolve, reject };
      this.#dispatch(upstream, request, path);
    });
  }

  /** event.body(): the request body in the request phase, the response body in the response phase. */
  #readBodyFn: ((event: ProxyFilterEvent, options: BodyOptions | undefined) => Promise<Buffer>) | undefined = undefined;
  /** The event.body() implementation, created once per transaction and only on the listener path. */
  get #readBody(): (event: ProxyFilterEvent, options: BodyOptions | undefined) => Promise<Buffer> {
    if (this.#readBodyFn === undefined) this.#readBodyFn = (event, options) => this.#bodyOf(event, options);
    return this.#readBodyFn;
  }

  #bodyOf(event: ProxyFilterEvent, options: BodyOptions | undefined): Promise<Buffer> {
    const limit =
      options?.limit === undefined
        ? this.#ctx.options.defaultBodyLimit
        : integerOption('body({ limit })', options.limit, 0);
    if (event.phase === 'request') return this.#readRequestBody(limit);
    const response = event.response;
    if (response === undefined) return Promise.resolve(Buffer.alloc(0));
    if (response.body !== undefined) return Promise.resolve(toBuffer(response.body));
    if (this.#forged) return Promise.resolve(Buffer.alloc(0));
    return this.#readResponseBody(limit).then((buffer) => {
      response.body = buffer;
      return buffer;
    });
  }

  #readRequestBody(limit: number): Promise<Buffer> {
    const request = this.#request as ProxyRequest;
    if (request.body !== undefined) return Promise.resolve(toBuffer(request.body));
    if (this.#requestBody === undefined) {
      const read = rawHasBody(this.#req.rawHeaders)
        ? readLimited(this.#req, limit, (received) => {
            const error = proxyError(
              'REQUEST_BODY_TOO_LARGE',
              `request body exceeds the filter's limit of ${limit} bytes (received ${received})`,
              { details: { limit } },
            );
            this.#bodyFailure = { error, outcome: 'rejected' };
            return error;
          })
        : Promise.resolve(Buffer.alloc(0));
      this.#requestBody = read.then((buffer) => {
        request.body ??= buffer;
        return buffer;
      });
    }
    return this.#requestBody;
  }

  #readResponseBody(limit: number): Promise<Buffer> {
    if (this.#responseBody === undefined) {
      this.#bodyTaken = true;
      this.#responseBody = new Promise<Buffer>((resolve, reject) => {
        if (this.#bodyFailure !== undefined) {
          reject(this.#bodyFailure.error);
          return;
        }
        this.#bodyLimit = limit;
        this.#bodyParts = this.#pending ?? [];
        this.#bodyBytes = this.#bodyParts.reduce((sum, part) => sum + part.length, 0);
        this.#pending = undefined;
        this.#mode = BUFFER;
        if (this.#bodyBytes > limit) {
          this.#bodyWaiter = { resolve, reject };
          this.onData(Buffer.alloc(0));
          return;
        }
        if (this.#upstreamDone) {
          resolve(Buffer.concat(this.#bodyParts, this.#bodyBytes));
          return;
        }
        this.#bodyWaiter = { resolve, reject };
        this.#resumeUpstream?.();
      });
    }
    return this.#responseBody;
  }

  #send(response: ProxyResponse): void {
    const res = this.#res;
    const status = response.status;
    if (!Number.isInteger(status) || status < 200 || status > 999) {
      const error = proxyError('LISTENER_FAILED', `a listener set an invalid response status ${String(status)}`);
      this.#ctx.reportError(error);
      void this.#answer(error, 'listener_error');
      return;
    }
    let headers = cleanHeaderMap(response.headers);
    const streamUpstream = response.body === undefined && !this.#forged && !this.#bodyTaken;
    let body: Buffer | undefined;
    if (!streamUpstream) {
      body = response.body === undefined ? Buffer.alloc(0) : toBuffer(response.body);
      headers = { ...headers };
      delete headers['transfer-encoding'];
      // 204 and 304 carry no body and must not announce one.
      if (status === 204 || status === 304) delete headers['content-length'];
      else headers['content-length'] = String(body.length);
    }
    this.#status = status;
    this.#headNs = process.hrtime.bigint();
    res.writeHead(status, response.statusText, headers);
    if (body !== undefined) {
      res.end(body);
      if (!this.#upstreamDone && !this.#forged) {
        this.#mode = DISCARD;
        this.#resumeUpstream?.();
      }
      return;
    }
    this.#mode = DIRECT;
    const pending = this.#pending;
    this.#pending = undefined;
    if (this.#upstreamDone) {
      if (pending === undefined) res.end();
      else if (pending.length === 1) res.end(pending[0]);
      else res.end(Buffer.concat(pending, this.#pendingBytes));
      return;
    }
    let writable = true;
    if (pending !== undefined) for (const chunk of pending) writable = res.write(chunk);
    if (writable) this.#resumeUpstream?.();
    else res.once('drain', this.#onDrain);
  }
}

function ms(fromNs: bigint, toNs: bigint): number {
  return Number(toNs - fromNs) / 1e6;
}
