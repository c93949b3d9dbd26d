import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HookListener, HookOptions, TimerHandle } from '@traffic/core';
import { HookRegistry, InvalidOptionError, listenOn, TrafficEvents, urlOption } from '@traffic/core';
import type { HttpLogger, HttpLoggerOptions } from '@traffic/http-logger';
import { createHttpLogger, withRequestLogging } from '@traffic/http-logger';
import type { Backend } from './backend-pool.js';
import { createBackend } from './backend-pool.js';
import type { Comparator } from './comparator.js';
import { createComparator } from './comparator.js';
import { DiffLog } from './diff-log.js';
import { SHADOW_ERRORS, shadowError } from './errors.js';
import type { ProxyCore } from './exchange.js';
import { Exchange } from './exchange.js';
import type { RequestHeaderPolicy } from './header-policy.js';
import { prepareRequestHeaders } from './header-policy.js';
import type {
  BackendsFinishedListener,
  MungeRequestListener,
  SelectBackendsListener,
  ShadowHooks,
  ShadowRequest,
} from './hooks.js';
import { SelectBackendsEvent } from './hooks.js';
import { MethodPolicy } from './method-policy.js';
import type { BackendOptions, ResolvedOptions, ShadowProxyOptions } from './options.js';
import { resolveOptions, validateBackendOptions } from './options.js';
import { sendProxyAnswer } from './proxy-answer.js';
import { runRace } from './race.js';
import { createRedactor } from './redact.js';
import { Sampler } from './sampling.js';
import type { ShadowEvents } from './shadow-events.js';
import type { StatsSnapshot } from './stats.js';
import { ShadowStats } from './stats.js';
import { tunnelUpgrade } from './upgrade-tunnel.js';

export interface ShadowProxyAddress {
  host: string;
  port: number;
  url: string;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * The shadow proxy: answers every client from the master, mirrors requests to the other backends,
 * compares the answers and counts one outcome per shadow exchange. See README for the semantics.
 */
export class ShadowProxy {
  readonly options: ResolvedOptions;
  /** Observe-only events: listening, diff, exchange, stats, error, close. */
  readonly events: TrafficEvents<ShadowEvents>;
  /** The three flow hooks (selectBackends, mungeRequest, backendsFinished) with priorities. */
  readonly hooks: HookRegistry<ShadowHooks>;
  /** This instance's id in the loop-protection header. */
  readonly id: string;
  readonly #backends = new Map<string, Backend>();
  #master: Backend | undefined;
  #noise: Backend | undefined;
  #shadows: Backend[] = [];
  readonly #stats: ShadowStats;
  readonly #core: ProxyCore & { shadowsInFlight: number; closing: boolean };
  readonly #exchanges = new Set<Exchange>();
  readonly #tunnels = new Set<Duplex>();
  readonly #headerPolicy: RequestHeaderPolicy;
  readonly #diffLog: DiffLog | undefined;
  #server: Server | undefined;
  #accessLogger: HttpLogger | undefined;
  #address: ShadowProxyAddress | undefined;
  #statsTimer: ReturnType<typeof setInterval> | undefined;
  #seq = 0;
  #closing = false;
  #closed: Promise<StatsSnapshot> | undefined;
  #idle: (() => void) | undefined;
  readonly #handler: RequestHandler;

  constructor(options: ShadowProxyOptions = {}) {
    const resolved = resolveOptions(options);
    this.options = resolved;
    this.id = randomBytes(6).toString('hex');
    this.events = new TrafficEvents<ShadowEvents>(resolved.logger);
    this.hooks = new HookRegistry<ShadowHooks>({
      clock: resolved.clock,
      onListenerError: (error, name) => this.#hookFailed(error, name),
    });
    this.#stats = new ShadowStats(resolved.maxEndpoints, resolved.clock.nowMs());
    const redactor = createRedactor(resolved.redactHeaders, resolved.redactFields);
    this.#diffLog =
      resolved.diffLog === undefined
        ? undefined
        : new DiffLog(resolved.diffLog, resolved.diffLogMaxPendingBytes, redactor);
    this.#headerPolicy = {
      markerHeader: resolved.markerHeader,
      loopHeader: resolved.loopHeader,
      proxyId: this.id,
      xForwarded: resolved.xForwarded,
    };
    const methodPolicy = new MethodPolicy(resolved.shadowMethods, resolved.allowMethods);
    const sampler = new Sampler(resolved.sampleRate, resolved.sampleHeader);
    const comparator: Comparator = createComparator({
      ignoreHeaders: resolved.ignoreHeaders,
      ignorePaths: resolved.ignorePaths,
      arrayKeys: resolved.arrayKeys,
      maxDifferences: resolved.maxDifferences,
      decodeLimit: Math.max(16 * resolved.captureBytes, 16 * 1024 * 1024),
    });
    const proxy = this;
    this.#core = {
      options: resolved,
      clock: resolved.clock,
      logger: resolved.logger,
      hooks: this.hooks,
      events: this.events,
      stats: this.#stats,
      comparator,
      diffLog: this.#diffLog,
      shadowsInFlight: 0,
      get closing() {
        return proxy.#closing;
      },
      methodAllows: (method, path) => methodPolicy.allows(method, path),
      sampled: (rawHeaders) => sampler.all || sampler.sampled(rawHeaders),
      hookFailed: (error, hook) => this.#hookFailed(error, hook),
      proxyError: (kind) => {
        this.#stats.proxyErrors[kind]++;
      },
      exchangeDone: (exchange) => {
        this.#exchanges.delete(exchange);
        if (this.#exchanges.size === 0) this.#idle?.();
      },
    };
    if (resolved.selectBackends) this.hooks.on('selectBackends', resolved.selectBackends);
    if (resolved.mungeRequest) this.hooks.on('mungeRequest', resolved.mungeRequest);
    if (resolved.backendsFinished) this.hooks.on('backendsFinished', resolved.backendsFinished);
    if (resolved.noiseMaster !== undefined) this.addNoiseMaster('noise', resolved.noiseMaster.href);
    this.#handler = (req, res) => this.#handle(req, res);
  }

  /** The backend whose answers the clients get. Exactly one. */
  addMaster(name: string, target: string | URL, options: BackendOptions = {}): this {
    if (this.#master !== undefined)
      throw new InvalidOptionError('addMaster', name, `one master only (already ${JSON.stringify(this.#master.name)})`);
    this.#master = this.#add(name, target, options, 'master');
    return this;
  }

  /** A shadow (candidate) backend: gets a copy of each eligible request; its answer is compared. */
  addBackend(name: string, target: string | URL, options: BackendOptions = {}): this {
    this.#shadows.push(this.#add(name, target, options, 'shadow'));
    return this;
  }

  /** A second instance of the master: differences between the two masters are noise. */
  addNoiseMaster(name: string, target: string | URL, options: BackendOptions = {}): this {
    if (this.#noise !== undefined) throw new InvalidOptionError('addNoiseMaster', name, 'one noise master only');
    this.#noise = this.#add(name, target, options, 'noise');
    return this;
  }

  #add(name: string, target: string | URL, options: BackendOptions, role: Backend['role']): Backend {
    if (typeof name !== 'string' || !NAME.test(name))
      throw new InvalidOptionError('backend name', name, 'letters, digits, ".", "_" or "-", up to 64 characters');
    if (this.#backends.has(name))
      throw shadowError(SHADOW_ERRORS.duplicateBackend, `a backend named ${JSON.stringify(name)} already exists`);
    const url = urlOption(`backend ${name}`, target);
    const backendOptions = validateBackendOptions(`backend ${name}`, options);
    const o = this.options;
    const backend = createBackend(name, role, url, backendOptions, {
      connections: o.connectionsPerBackend,
      keepAliveTimeoutMs: o.keepAliveTimeoutMs,
      bodyTimeoutMs: role === 'master' ? (backendOptions.timeoutMs ?? o.masterTimeoutMs) : 0,
    });
    this.#backends.set(name, backend);
    return backend;
  }

  /** Geest-style registration: `selectBackends(e => [...])` etc. Returns an unsubscribe function. */
  selectBackends(listener: SelectBackendsListener, options?: HookOptions): () => void {
    return this.hooks.on('selectBackends', listener as HookListener<ShadowHooks['selectBackends']>, options);
  }

  mungeRequest(listener: MungeRequestListener, options?: HookOptions): () => void {
    return this.hooks.on('mungeRequest', listener as HookListener<ShadowHooks['mungeRequest']>, options);
  }

  backendsFinished(listener: BackendsFinishedListener, options?: HookOptions): () => void {
    return this.hooks.on('backendsFinished', listener as HookListener<ShadowHooks['backendsFinished']>, options);
  }

  /** The node:http request handler, to mount the proxy in a server of your own. */
  get handler(): RequestHandler {
    return this.#handler;
  }

  get address(): ShadowProxyAddress | undefined {
    return this.#address;
  }

  get server(): Server | undefined {
    return this.#server;
  }

  /** Shadow requests in flight right now (bounded by maxShadowsInFlight). */
  get shadowsInFlight(): number {
    return this.#core.shadowsInFlight;
  }

  stats(): StatsSnapshot {
    const log = this.#diffLog;
    return this.#stats.snapshot(this.options.clock.nowMs(), this.#core.shadowsInFlight, {
      written: log?.written ?? 0,
      dropped: log?.dropped ?? 0,
    });
  }

  async listen(): Promise<ShadowProxyAddress> {
    if (this.#server !== undefined)
      throw shadowError(SHADOW_ERRORS.alreadyListening, 'listen() was already called on this proxy');
    if (this.#master === undefined)
      throw shadowError(SHADOW_ERRORS.noMaster, 'add a master with addMaster(name, url) before listen()');
    // Opt-in access log: the http-logger wraps the handler (it adds an X-Request-Id response header).
    const accessLog = this.options.accessLog;
    if (accessLog !== false) {
      this.#accessLogger = createHttpLogger({ logger: this.options.logger, ...accessLog } as HttpLoggerOptions);
    }
    const server = createServer(
      this.#accessLogger === undefined ? this.#handler : withRequestLogging(this.#handler, this.#accessLogger),
    );
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
    server.on('clientError', (_error, socket) => {
      this.#stats.proxyErrors.badRequest++;
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      else socket.destroy();
    });
    this.#server = server;
    this.#address = await listenOn(server, this.options.listen);
    if (this.options.statsIntervalMs > 0) {
      this.#statsTimer = setInterval(
        () => this.events.emit('stats', this.stats(), false),
        this.options.statsIntervalMs,
      );
      this.#statsTimer.unref();
    }
    this.options.logger.info({ url: this.#address.url, id: this.id }, 'shadow proxy listening');
    this.events.emit('listening', this.#address);
    return this.#address;
  }

  /**
   * Stop accepting, let in-flight requests (and their shadows) finish, then close the pools. After
   * closeTimeoutMs whatever is left is cut. Resolves with the final stats (also a `stats` event).
   */
  close(): Promise<StatsSnapshot> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<StatsSnapshot> {
    this.#closing = true;
    if (this.#statsTimer !== undefined) clearInterval(this.#statsTimer);
    const server = this.#server;
    const serverClosed =
      server === undefined ? Promise.resolve() : new Promise<void>((resolve) => server.close(() => resolve()));
    server?.closeIdleConnections();
    let timer: TimerHandle | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), this.options.closeTimeoutMs);
      (timer as { unref?: () => void }).unref?.();
    });
    // Tunnels are conversations with no end in sight: cut them. Then the server: no new requests,
    // in-flight responses flush, idle keep-alive sockets close.
    for (const socket of this.#tunnels) socket.destroy();
    const sweeper = setInterval(() => server?.closeIdleConnections(), 25);
    let cut = await Promise.race([serverClosed.then(() => false), timedOut]);
    clearInterval(sweeper);
    // Then the shadows still running for requests already answered.
    if (!cut) {
      const idle = new Promise<boolean>((resolve) => {
        if (this.#exchanges.size === 0) resolve(false);
        else this.#idle = () => resolve(false);
      });
      cut = await Promise.race([idle, timedOut]);
    }
    if (cut) {
      const reason = new Error('proxy closing');
      for (const exchange of [...this.#exchanges]) exchange.abort(reason);
      server?.closeAllConnections();
    }
    clearTimeout(timer as ReturnType<typeof setTimeout>);
    await serverClosed;
    await Promise.all([...this.#backends.values()].map((backend) => backend.pool.destroy().catch(() => {})));
    await this.#accessLogger?.close();
    const snapshot = this.stats();
    this.events.emit('stats', snapshot, true);
    this.events.emit('close', snapshot);
    return snapshot;
  }

  #hookFailed(error: Error, hook: string): void {
    this.#stats.hookErrors++;
    this.options.logger.warn({ err: error, hook }, 'shadow proxy hook threw; the request continues');
    if (this.events.hasListeners('error')) {
      this.events.emit('error', shadowError(SHADOW_ERRORS.hookFailed, `hook ${hook} threw: ${error.message}`, error));
    }
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const stats = this.#stats;
    stats.requests++;
    const master = this.#master;
    if (master === undefined) {
      sendProxyAnswer(res, 502, SHADOW_ERRORS.noMaster, 'Bad Gateway: no master configured');
      return;
    }
    const url = req.url ?? '/';
    const path = url.charCodeAt(0) === 47 ? url : originForm(url);
    if (path === undefined) {
      stats.proxyErrors.badRequest++;
      sendProxyAnswer(
        res,
        400,
        SHADOW_ERRORS.badTarget,
        'Bad Request: the request target must be a path or an absolute URL',
      );
      return;
    }
    const remoteAddress = req.socket.remoteAddress ?? '';
    const prepared = prepareRequestHeaders(
      req.rawHeaders,
      this.#headerPolicy,
      remoteAddress,
      (req.socket as { encrypted?: boolean }).encrypted === true,
    );
    if (prepared.looped) {
      stats.proxyErrors.loop++;
      sendProxyAnswer(
        res,
        508,
        SHADOW_ERRORS.loopDetected,
        `Loop Detected: this request already passed proxy ${this.id}`,
      );
      return;
    }
    // The master's Date (or its absence) reaches the client unchanged.
    res.sendDate = false;
    const request: ShadowRequest = {
      id: ++this.#seq,
      method: req.method ?? 'GET',
      url,
      rawHeaders: req.rawHeaders,
      remoteAddress,
    };
    const exchange = new Exchange(this.#core, req, res, request, path, prepared);
    this.#exchanges.add(exchange);
    const failed = (error: unknown) => {
      this.options.logger.error({ err: error }, 'shadow proxy request failed');
      sendProxyAnswer(res, 502, SHADOW_ERRORS.masterFailed, 'Bad Gateway: the proxy could not forward the request');
      this.#core.exchangeDone(exchange);
    };
    try {
      const run = this.hooks.has('selectBackends')
        ? this.#selectAndRun(exchange, req, res, request, path, prepared, master)
        : exchange.runWithMaster(master, this.#shadows, this.#noise);
      run?.catch(failed);
    } catch (error) {
      failed(error);
    }
  }

  async #selectAndRun(
    exchange: Exchange,
    req: IncomingMessage,
    res: ServerResponse,
    request: ShadowRequest,
    path: string,
    prepared: ReturnType<typeof prepareRequestHeaders>,
    master: Backend,
  ): Promise<void> {
    const all = [master.name, ...this.#shadows.map((shadow) => shadow.name)];
    const event = new SelectBackendsEvent(request, all);
    await this.hooks.run('selectBackends', event, (value, current) => {
      if (Array.isArray(value)) current.backends = value.map(String);
    });
    let names = event.error === undefined ? event.backends : [master.name];
    if (!Array.isArray(names)) names = [master.name];
    const chosen: Backend[] = [];
    for (const name of new Set(names)) {
      const backend = this.#backends.get(name);
      if (backend === undefined || backend.role === 'noise') {
        this.#hookFailed(
          shadowError(SHADOW_ERRORS.unknownBackend, `selectBackends returned unknown backend ${JSON.stringify(name)}`),
          'selectBackends',
        );
        continue;
      }
      chosen.push(backend);
    }
    if (chosen.length === 0 || chosen.includes(master)) {
      await exchange.runWithMaster(
        master,
        chosen.filter((backend) => backend !== master),
        this.#noise,
      );
      return;
    }
    try {
      await runRace(this.#core, req, res, request, path, prepared, chosen);
    } finally {
      this.#core.exchangeDone(exchange);
    }
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const master = this.#master as Backend;
    this.#stats.requests++;
    const url = req.url ?? '/';
    const path = url.charCodeAt(0) === 47 ? url : originForm(url);
    const prepared = prepareRequestHeaders(req.rawHeaders, this.#headerPolicy, req.socket.remoteAddress ?? '', false);
    if (path === undefined || prepared.looped) {
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    for (const shadow of this.#shadows) this.#stats.count(shadow.name, 'skipped', 'upgrade');
    this.#tunnels.add(socket);
    socket.on('close', () => this.#tunnels.delete(socket));
    tunnelUpgrade(master, req, socket, head, path, prepared.headers, this.options.masterTimeoutMs, (error) =>
      this.options.logger.warn({ err: error }, 'upgrade to the master failed'),
    );
  }
}

/** "http://host/x?y" → "/x?y" (absolute-form from proxy-aware clients); undefined when not a URL. */
export function originForm(target: string): string | undefined {
  const scheme = target.indexOf('://');
  if (scheme <= 0 || !/^https?$/i.test(target.slice(0, scheme))) return undefined;
  const slash = target.indexOf('/', scheme + 3);
  const query = target.indexOf('?', scheme + 3);
  if (slash < 0 || (query >= 0 && query < slash)) return query < 0 ? '/' : `/${target.slice(query)}`;
  return target.slice(slash);
}

export function createShadowProxy(options: ShadowProxyOptions = {}): ShadowProxy {
  return new ShadowProxy(options);
}
