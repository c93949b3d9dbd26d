import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Clock, type HookRegistry, type Logger, rawHeaderStrings, type TrafficEvents } from '@traffic/core';
import type { Dispatcher } from 'undici';
import type { Backend } from './backend-pool.js';
import { Capture } from './capture.js';
import type { Comparator, ObservedResponse } from './comparator.js';
import { cancelNoise, headerOf } from './comparator.js';
import type { DiffLog, DiffRecord } from './diff-log.js';
import type { Difference } from './difference.js';
import { SHADOW_ERRORS } from './errors.js';
import type { PreparedHeaders } from './header-policy.js';
import { responseHeaders, shadowHeaders } from './header-policy.js';
import type { BackendResult, BackendRole, ShadowHooks, ShadowRequest, UpstreamRequest } from './hooks.js';
import { BackendsFinishedEvent, MungeRequestEvent } from './hooks.js';
import type { ResolvedOptions } from './options.js';
import type { Outcome, SkipReason } from './outcomes.js';
import { sendProxyAnswer } from './proxy-answer.js';
import { BodyCopy, hasRequestBody } from './request-body.js';
import type { ShadowEvents } from './shadow-events.js';
import type { ShadowStats } from './stats.js';
import type { CallSink } from './upstream-call.js';
import { UpstreamCall } from './upstream-call.js';

type Body = Exclude<Dispatcher.DispatchOptions['body'], undefined>;

/** What an exchange needs from its proxy. */
export interface ProxyCore {
  readonly options: ResolvedOptions;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly hooks: HookRegistry<ShadowHooks>;
  readonly events: TrafficEvents<ShadowEvents>;
  readonly stats: ShadowStats;
  readonly comparator: Comparator;
  readonly diffLog: DiffLog | undefined;
  shadowsInFlight: number;
  readonly closing: boolean;
  methodAllows(method: string, path: string): boolean;
  sampled(rawHeaders: readonly string[]): boolean;
  hookFailed(error: Error, hook: string): void;
  proxyError(kind: 'badGateway' | 'gatewayTimeout'): void;
  exchangeDone(exchange: Exchange): void;
}

/** One backend call of an exchange and what came back. */
class Leg implements CallSink {
  readonly backend: Backend;
  readonly role: BackendRole;
  call: UpstreamCall | undefined;
  status: number | undefined;
  statusText = '';
  rawHeaders: Buffer[] = [];
  capture: Capture | undefined;
  error: Error | undefined;
  timedOut = false;
  done = false;
  /** Set when the leg was never sent (its outcome is already counted). */
  skipped = false;
  readonly #onSettled: (leg: Leg) => void;

  constructor(backend: Backend, role: BackendRole, capture: Capture | undefined, onSettled: (leg: Leg) => void) {
    this.backend = backend;
    this.role = role;
    this.capture = capture;
    this.#onSettled = onSettled;
  }

  onHead(status: number, statusText: string, rawHeaders: Buffer[]): void {
    this.status = status;
    this.statusText = statusText;
    this.rawHeaders = rawHeaders;
  }

  onChunk(chunk: Buffer): boolean {
    this.capture?.push(chunk);
    return true;
  }

  onEnd(): void {
    if (this.done) return;
    this.done = true;
    this.#onSettled(this);
  }

  onFail(error: Error, timedOut: boolean): void {
    if (this.done) return;
    this.error = error;
    this.timedOut = timedOut;
    this.done = true;
    this.#onSettled(this);
  }

  get durationMs(): number | undefined {
    return this.call === undefined ? undefined : Math.round(this.call.durationMs * 1000) / 1000;
  }

  observed(): ObservedResponse {
    const capture = this.capture as Capture;
    const rawHeaders = rawHeaderStrings(this.rawHeaders);
    return {
      status: this.status as number,
      rawHeaders,
      body: capture.body(),
      bytes: capture.bytes,
      truncated: capture.truncated,
      // Hashing is only needed for bytes compared by hash: computed on first read.
      get sha256() {
        return capture.sha256();
      },
      contentType: headerOf(rawHeaders, 'content-type'),
      contentEncoding: headerOf(rawHeaders, 'content-encoding'),
    };
  }

  result(): BackendResult {
    const capture = this.capture;
    return {
      name: this.backend.name,
      role: this.role,
      status: this.status,
      rawHeaders: rawHeaderStrings(this.rawHeaders),
      body: capture?.body() ?? Buffer.alloc(0),
      bodyBytes: capture?.bytes ?? 0,
      truncated: capture?.truncated ?? false,
      sha256: capture?.sha256() ?? '',
      durationMs: this.durationMs ?? 0,
      error: this.error,
      timedOut: this.timedOut,
    };
  }
}

/**
 * One client request: the master's answer streams to the client while shadows (and the optional
 * second master) run beside it; when every leg has settled each shadow gets exactly one outcome.
 */
export class Exchange {
  readonly #core: ProxyCore;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly request: ShadowRequest;
  readonly #path: string;
  readonly #prepared: PreparedHeaders;
  #master: Leg | undefined;
  #masterSink: MasterSink | undefined;
  readonly #shadows: Leg[] = [];
  #noise: Leg | undefined;
  #pending = 0;
  #finished = false;
  #clientAborted = false;
  /** The body copy, abandoned if the master fails before reading the body. */
  #copy: BodyCopy | undefined;

  constructor(
    core: ProxyCore,
    req: IncomingMessage,
    res: ServerResponse,
    request: ShadowRequest,
    path: string,
    prepared: PreparedHeaders,
  ) {
    this.#core = core;
    this.#req = req;
    this.#res = res;
    this.request = request;
    this.#path = path;
    this.#prepared = prepared;
  }

  /**
   * Master mode: the master answers the client; `shadows` are compared against it. Synchronous
   * unless a mungeRequest hook is registered (no promise on the hot path).
   */
  runWithMaster(master: Backend, shadows: Backend[], noise: Backend | undefined): Promise<void> | undefined {
    const core = this.#core;
    const options = core.options;
    const method = this.request.method;
    let skipReason: SkipReason | undefined;
    if (shadows.length > 0) {
      if (this.#prepared.hadMarker) skipReason = 'already_shadow';
      else if (!core.methodAllows(method, this.#path)) skipReason = 'method';
      else if (!core.sampled(this.request.rawHeaders)) skipReason = 'sampled_out';
      else if (core.closing) skipReason = 'closing';
    }
    const active: Backend[] = [];
    for (const shadow of shadows) {
      if (skipReason !== undefined) this.#record(shadow.name, 'skipped', skipReason);
      else if (core.shadowsInFlight >= options.maxShadowsInFlight) this.#record(shadow.name, 'dropped_overload');
      else {
        core.shadowsInFlight++;
        active.push(shadow);
      }
    }
    let noiseBackend: Backend | undefined;
    if (active.length > 0 && noise !== undefined && core.shadowsInFlight < options.maxShadowsInFlight) {
      core.shadowsInFlight++;
      noiseBackend = noise;
    }
    const comparing = active.length > 0;
    const masterLeg = new Leg(master, 'master', comparing ? new Capture(options.captureBytes) : undefined, () =>
      this.#settled(),
    );
    this.#master = masterLeg;
    this.#pending = 1;
    for (const shadow of active) {
      this.#shadows.push(new Leg(shadow, 'shadow', new Capture(options.captureBytes), (leg) => this.#legSettled(leg)));
    }
    if (noiseBackend !== undefined) {
      this.#noise = new Leg(noiseBackend, 'noise', new Capture(options.captureBytes), (leg) => this.#legSettled(leg));
    }
    const sideLegs = this.#sideLegs();
    this.#pending += sideLegs.length;

    const masterRequest: UpstreamRequest = { method, path: this.#path, headers: this.#prepared.headers };
    if (core.hooks.has('mungeRequest')) {
      return this.#munge(master, 'master', masterRequest).then((munged) =>
        this.#startMaster(master, masterLeg, munged),
      );
    }
    this.#startMaster(master, masterLeg, masterRequest);
    return undefined;
  }

  #startMaster(master: Backend, masterLeg: Leg, munged: UpstreamRequest): void {
    const core = this.#core;
    const options = core.options;
    const sideLegs = this.#sideLegs();
    let body: Body = null;
    let copy: BodyCopy | undefined;
    const withBody = hasRequestBody(this.#req);
    if (withBody) {
      if (sideLegs.length > 0) {
        copy = new BodyCopy(options.maxShadowBodyBytes, (copied) => {
          if (copied !== undefined) this.#dispatchSides(copied);
          else if (copy?.tooLarge) this.#abandonSides('body_too_large');
          else if (this.#clientAborted) this.#abandonSides('client_aborted');
          else if (masterLeg.error !== undefined) this.#failSides(masterLeg.error);
          else this.#abandonSides('body_incomplete');
        });
        this.#copy = copy;
        // undici streams async iterables with backpressure (its typings only list Readable).
        body = copy.tee(this.#req) as unknown as Body;
      } else {
        body = this.#req;
      }
    }

    const sink = new MasterSink(this.#res, masterLeg, core);
    this.#masterSink = sink;
    const call = new UpstreamCall(sink, core.clock, master.options.timeoutMs ?? options.masterTimeoutMs, 'head');
    masterLeg.call = call;
    this.#res.once('close', () => {
      if (!masterLeg.done && !this.#res.writableFinished) {
        this.#clientAborted = true;
        call.abort(new Error('client closed the connection'));
        masterLeg.onFail(new Error('client closed the connection'), false);
      }
    });
    call.dispatch(master.pool, { method: munged.method, path: munged.path, headers: munged.headers, body });
    if (sideLegs.length > 0 && !withBody) this.#dispatchSides(null);
  }

  #sideLegs(): Leg[] {
    return this.#noise === undefined ? this.#shadows : [...this.#shadows, this.#noise];
  }

  #dispatchSides(body: Buffer | null): void {
    const options = this.#core.options;
    const munging = this.#core.hooks.has('mungeRequest');
    for (const leg of this.#sideLegs()) {
      const backend = leg.backend;
      const upstream: UpstreamRequest = {
        method: this.request.method,
        path: this.#path,
        headers: shadowHeaders(
          this.#prepared,
          backend.options.host ?? options.shadowHost,
          backend.authority,
          options.markerHeader,
          options.markerValue,
        ),
      };
      if (munging) void this.#munge(backend, leg.role, upstream).then((munged) => this.#sendSide(leg, munged, body));
      else this.#sendSide(leg, upstream, body);
    }
  }

  #sendSide(leg: Leg, upstream: UpstreamRequest, body: Buffer | null): void {
    if (leg.done) return;
    const backend = leg.backend;
    const timeoutMs = backend.options.timeoutMs ?? this.#core.options.shadowTimeoutMs;
    const call = new UpstreamCall(leg, this.#core.clock, timeoutMs, 'all');
    leg.call = call;
    call.dispatch(backend.pool, { method: upstream.method, path: upstream.path, headers: upstream.headers, body });
  }

  /** The master failed before the body was read: the shadows are judged as primary_error. */
  #failSides(error: Error): void {
    for (const leg of this.#sideLegs()) leg.onFail(error, false);
  }

  #abandonSides(reason: SkipReason): void {
    for (const leg of this.#sideLegs()) {
      if (leg.done) continue;
      leg.skipped = true;
      if (leg.role === 'shadow') this.#record(leg.backend.name, 'skipped', reason);
      leg.onFail(new Error(`not sent: ${reason}`), false);
    }
  }

  async #munge(backend: Backend, role: BackendRole, upstream: UpstreamRequest): Promise<UpstreamRequest> {
    const hooks = this.#core.hooks;
    if (!hooks.has('mungeRequest')) return upstream;
    const event = new MungeRequestEvent(backend.name, role, this.request, upstream);
    await hooks.run('mungeRequest', event);
    if (event.error !== undefined) this.#core.hookFailed(event.error, 'mungeRequest');
    return event.upstream;
  }

  /** Each side leg holds one in-flight slot from its creation until it settles. */
  #legSettled(leg: Leg): void {
    this.#core.shadowsInFlight--;
    if (leg.role === 'shadow' && leg.error === undefined && leg.call !== undefined)
      this.#core.stats.shadowLatency(leg.backend.name, leg.call.durationMs);
    this.#settled();
  }

  #settled(): void {
    const master = this.#master;
    // The master is done but the body copy is not (it failed, or answered before reading it all):
    // the copy will never complete, so release the shadows waiting for it.
    if (master?.done && this.#copy !== undefined) {
      const copy = this.#copy;
      this.#copy = undefined;
      copy.abandon(master.error ?? new Error('the master answered before the body was read'));
    }
    this.#pending--;
    if (this.#pending === 0) void this.#finish();
  }

  async #finish(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    const core = this.#core;
    const master = this.#master as Leg;
    if (master.call !== undefined && master.error === undefined) core.stats.master.record(master.call.durationMs);
    if (this.#shadows.length === 0) {
      core.exchangeDone(this);
      return;
    }
    try {
      await this.#judge(master);
    } catch (error) {
      core.logger.error({ err: error }, 'shadow comparison failed');
    } finally {
      core.exchangeDone(this);
    }
  }

  async #judge(master: Leg): Promise<void> {
    const core = this.#core;
    let skipComparison = false;
    if (core.hooks.has('backendsFinished')) {
      const results = [master, ...this.#sideLegs()].map((leg) => leg.result());
      const event = new BackendsFinishedEvent(this.request, results);
      await core.hooks.run('backendsFinished', event);
      if (event.error !== undefined) core.hookFailed(event.error, 'backendsFinished');
      skipComparison = event.skipComparison;
    }
    const masterFailed = master.error !== undefined;
    let masterObserved: ObservedResponse | undefined;
    let noiseDifferences: Difference[] | undefined;
    for (const leg of this.#shadows) {
      if (leg.skipped) continue;
      const name = leg.backend.name;
      if (this.#clientAborted) {
        this.#record(name, 'skipped', 'client_aborted', leg);
        continue;
      }
      if (masterFailed) {
        this.#record(name, 'primary_error', undefined, leg, master.error);
        continue;
      }
      if (leg.timedOut) {
        this.#record(name, 'shadow_timeout', undefined, leg, leg.error);
        continue;
      }
      if (leg.error !== undefined) {
        this.#record(name, 'shadow_error', undefined, leg, leg.error);
        continue;
      }
      if (skipComparison) {
        this.#record(name, 'skipped', 'hook', leg);
        continue;
      }
      masterObserved ??= master.observed();
      const comparison = core.comparator(masterObserved, leg.observed());
      let differences = comparison.differences;
      let cancelled: number | undefined;
      const noise = this.#noise;
      if (differences.length > 0 && noise !== undefined && noise.error === undefined && !noise.skipped) {
        noiseDifferences ??= core.comparator(masterObserved, noise.observed()).differences;
        const result = cancelNoise(differences, noiseDifferences);
        differences = result.kept;
        cancelled = result.cancelled;
      }
      const outcome: Outcome = differences.length === 0 ? 'equal' : 'diff';
      core.stats.compared(this.request.method, this.request.url, outcome === 'diff');
      this.#record(name, outcome, undefined, leg, undefined, differences, cancelled);
    }
  }

  /** Count one outcome and report it (diff log and `diff` event for every non-equal one). */
  #record(
    backend: string,
    outcome: Outcome,
    reason?: SkipReason,
    leg?: Leg,
    error?: Error,
    differences?: Difference[],
    noiseCancelled?: number,
  ): void {
    const core = this.#core;
    core.stats.count(backend, outcome, reason);
    const wantsLog =
      core.diffLog !== undefined && outcome !== 'equal' && (reason !== 'sampled_out' || core.options.diffLogSampledOut);
    const wantsDiff = outcome !== 'equal' && core.events.hasListeners('diff');
    const wantsExchange = core.events.hasListeners('exchange');
    if (!wantsLog && !wantsDiff && !wantsExchange) return;
    const master = this.#master;
    const record: DiffRecord = {
      time: new Date(core.clock.wallMs()).toISOString(),
      id: this.request.id,
      backend,
      outcome,
      request: {
        method: this.request.method,
        url: this.request.url,
        headers: this.request.rawHeaders.slice(),
      },
    };
    if (reason !== undefined) record.reason = reason;
    if (leg !== undefined) {
      record.status = { master: master?.status, shadow: leg.status };
      record.timings = { masterMs: master?.durationMs, shadowMs: leg.durationMs };
    }
    if (differences !== undefined) record.differences = differences;
    if (noiseCancelled !== undefined) record.noiseCancelled = noiseCancelled;
    if (error !== undefined) {
      const code = (error as { code?: unknown }).code;
      record.error = typeof code === 'string' ? { message: error.message, code } : { message: error.message };
    }
    if (wantsLog) core.diffLog?.write(record);
    if (wantsDiff) core.events.emit('diff', record);
    if (wantsExchange) core.events.emit('exchange', record);
  }

  /** close(): stop waiting for this exchange's upstream calls. */
  abort(reason: Error): void {
    for (const leg of [this.#master, ...this.#sideLegs()]) {
      if (leg !== undefined && !leg.done) {
        leg.call?.abort(reason);
        leg.onFail(reason, false);
      }
    }
    if (this.#masterSink !== undefined && !this.#res.writableFinished) this.#res.destroy();
  }
}

/** Streams the master's response to the client as it arrives, with backpressure. */
class MasterSink implements CallSink {
  readonly #res: ServerResponse;
  readonly #leg: Leg;
  #resume: (() => void) | undefined;
  #waitingDrain = false;

  readonly #core: ProxyCore;

  constructor(res: ServerResponse, leg: Leg, core: ProxyCore) {
    this.#res = res;
    this.#leg = leg;
    this.#core = core;
  }

  onHead(status: number, statusText: string, rawHeaders: Buffer[], resume: () => void): void {
    this.#leg.onHead(status, statusText, rawHeaders);
    this.#resume = resume;
    const res = this.#res;
    if (res.destroyed) return;
    res.writeHead(status, statusText, responseHeaders(rawHeaders) as unknown as Record<string, string>);
  }

  onChunk(chunk: Buffer): boolean {
    this.#leg.capture?.push(chunk);
    const res = this.#res;
    if (res.destroyed) return true;
    if (res.write(chunk)) return true;
    if (!this.#waitingDrain) {
      this.#waitingDrain = true;
      res.once('drain', () => {
        this.#waitingDrain = false;
        this.#resume?.();
      });
    }
    return false;
  }

  onEnd(): void {
    if (!this.#res.destroyed) this.#res.end();
    this.#leg.onEnd();
  }

  onFail(error: Error, timedOut: boolean): void {
    const res = this.#res;
    if (!res.headersSent && !res.destroyed) {
      this.#core.proxyError(timedOut ? 'gatewayTimeout' : 'badGateway');
      if (timedOut) sendProxyAnswer(res, 504, SHADOW_ERRORS.masterTimeout, `Gateway Timeout: ${error.message}`);
      else
        sendProxyAnswer(
          res,
          502,
          SHADOW_ERRORS.masterUnreachable,
          `Bad Gateway: master unreachable (${(error as { code?: string }).code ?? error.message})`,
        );
    } else if (!res.destroyed) {
      // The head is out: the only honest signal left is to cut the connection.
      res.destroy(error);
    }
    this.#leg.onFail(error, timedOut);
  }
}
