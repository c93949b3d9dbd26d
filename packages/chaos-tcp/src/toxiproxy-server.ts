import { createServer, type Server } from 'node:http';
import {
  describeValue,
  type HostPort,
  hostPortOption,
  InvalidOptionError,
  integerOption,
  type Logger,
  listenOn,
  noopLogger,
  rejectUnknownOptions,
} from '@traffic/core';
import { ChaosProxy, type ChaosProxyOptions } from './chaos-proxy.js';
import { CHAOS_ERRORS, chaosError } from './errors.js';
import { createPrng, randomSeed } from './prng.js';
import { createToxiproxyHandler, type ProxyCollection } from './toxiproxy-api.js';

export interface ToxiproxyServerOptions {
  /** Where the REST API listens; loopback by default. */
  listen?: string;
  /** Seed for every proxy's PRNG (each proxy gets its own sub-stream). */
  seed?: number;
  /** Proxies to create at start (Toxiproxy -config). */
  proxies?: unknown[];
  /** Most proxies the API may create. */
  maxProxies?: number;
  logger?: Logger;
}

export const TOXIPROXY_SERVER_DEFAULTS = Object.freeze({
  listen: '127.0.0.1:8474',
  maxProxies: 1000,
});

const KNOWN = { ...TOXIPROXY_SERVER_DEFAULTS, seed: 0, proxies: [], logger: noopLogger };
const PROXY_FIELDS = ['name', 'listen', 'upstream', 'enabled', 'toxics', 'protocol', 'behavior', 'behaviorOptions'];

function badBody(message: string) {
  return chaosError(CHAOS_ERRORS.configInvalid, message);
}

/** A Toxiproxy-compatible server: the REST API plus the proxies it manages. */
export class ToxiproxyServer implements ProxyCollection {
  readonly seed: number;
  readonly #listen: HostPort;
  readonly #logger: Logger;
  readonly #maxProxies: number;
  readonly #initial: unknown[];
  readonly #proxies = new Map<string, ChaosProxy>();
  #created = 0;
  #http: Server | undefined;
  #address: HostPort | undefined;

  constructor(options: ToxiproxyServerOptions = {}) {
    rejectUnknownOptions('toxiproxy', options, KNOWN);
    const o = { ...TOXIPROXY_SERVER_DEFAULTS, ...options };
    this.#listen = hostPortOption('toxiproxy.listen', o.listen);
    this.#maxProxies = integerOption('toxiproxy.maxProxies', o.maxProxies, 1, 100_000);
    this.seed = o.seed === undefined ? randomSeed() : integerOption('toxiproxy.seed', o.seed, 0, 0xffff_ffff);
    this.#logger = o.logger ?? noopLogger;
    if (o.proxies !== undefined && !Array.isArray(o.proxies)) {
      throw new InvalidOptionError('toxiproxy.proxies', o.proxies, 'an array of proxies');
    }
    this.#initial = o.proxies ?? [];
  }

  get url(): string {
    const address = this.#address ?? this.#listen;
    return `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
  }

  get address(): HostPort | undefined {
    return this.#address;
  }

  async listen(): Promise<HostPort> {
    if (this.#address) return this.#address;
    if (this.#initial.length > 0) {
      const result = await this.populate(this.#initial);
      if (result.error) throw badBody(`proxies: ${result.error.message}`);
    }
    const server = createServer(createToxiproxyHandler(this, this.#logger));
    server.keepAliveTimeout = 5000;
    const { port } = await listenOn(server, this.#listen);
    this.#http = server;
    this.#address = { host: this.#listen.host, port };
    return this.#address;
  }

  async close(): Promise<void> {
    const server = this.#http;
    this.#http = undefined;
    this.#address = undefined;
    await Promise.all([...this.#proxies.values()].map((proxy) => proxy.close()));
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  // --- ProxyCollection -------------------------------------------------------------------------
  list(): ChaosProxy[] {
    return [...this.#proxies.values()];
  }

  get(name: string): ChaosProxy {
    const proxy = this.#proxies.get(name);
    if (proxy === undefined) throw chaosError(CHAOS_ERRORS.proxyNotFound, 'proxy not found', { name });
    return proxy;
  }

  /** Add a proxy made elsewhere (the CLI's Vaurien proxy), so the API can manage it too. */
  async addProxy(proxy: ChaosProxy): Promise<ChaosProxy> {
    if (this.#proxies.has(proxy.name)) {
      throw chaosError(CHAOS_ERRORS.proxyExists, 'proxy already exists', { name: proxy.name });
    }
    await proxy.listen();
    this.#proxies.set(proxy.name, proxy);
    return proxy;
  }

  #options(body: unknown): ChaosProxyOptions {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw badBody(`bad request body: a proxy must be a JSON object, got ${describeValue(body)}`);
    }
    const input = body as Record<string, unknown>;
    for (const key of Object.keys(input)) {
      if (!PROXY_FIELDS.includes(key)) {
        throw badBody(`bad request body: unknown field ${JSON.stringify(key)} (allowed: ${PROXY_FIELDS.join(', ')})`);
      }
    }
    if (typeof input.name !== 'string' || input.name === '') throw badBody('missing required field: name');
    if (typeof input.upstream !== 'string' || input.upstream === '') throw badBody('missing required field: upstream');
    const seed = createPrng(this.seed)
      .fork(this.#created++)
      .int(0x1_0000_0000);
    return {
      ...(input as Partial<ChaosProxyOptions>),
      name: input.name,
      upstream: input.upstream,
      listen: (input.listen as string | undefined) ?? '127.0.0.1:0',
      seed,
      logger: this.#logger,
    } as ChaosProxyOptions;
  }

  async create(body: unknown): Promise<ChaosProxy> {
    const options = this.#options(body);
    if (this.#proxies.has(options.name!)) {
      throw chaosError(CHAOS_ERRORS.proxyExists, 'proxy already exists', { name: options.name });
    }
    if (this.#proxies.size >= this.#maxProxies) {
      throw badBody(`too many proxies (maxProxies ${this.#maxProxies})`);
    }
    const proxy = new ChaosProxy(options);
    await proxy.listen();
    this.#proxies.set(proxy.name, proxy);
    return proxy;
  }

  async populate(body: unknown): Promise<{ proxies: ChaosProxy[]; error?: { message: string; status: number } }> {
    const list = Array.isArray(body) ? body : (body as { proxies?: unknown })?.proxies;
    if (!Array.isArray(list)) {
      return { proxies: [], error: { message: 'bad request body: expected an array of proxies', status: 400 } };
    }
    const proxies: ChaosProxy[] = [];
    try {
      // Validate everything first so a bad entry changes nothing.
      const all = list.map((entry) => this.#options(entry));
      for (const options of all) {
        const existing = this.#proxies.get(options.name!);
        if (existing) {
          const same =
            (options.listen === existing.listenAddress || options.listen === '127.0.0.1:0') &&
            hostString(options.upstream) === existing.upstream;
          if (same) {
            if (options.enabled !== undefined) await existing.setEnabled(options.enabled);
            proxies.push(existing);
            continue;
          }
          await this.remove(existing.name);
        }
        proxies.push(await this.create(stripSeed(options)));
      }
      return { proxies };
    } catch (error) {
      const status = isCoded(error) ? (error.code === CHAOS_ERRORS.proxyExists ? 409 : 400) : 500;
      return { proxies, error: { message: (error as Error).message, status } };
    }
  }

  async remove(name: string): Promise<void> {
    const proxy = this.get(name);
    this.#proxies.delete(name);
    await proxy.close();
  }

  /** Toxiproxy /reset: every proxy enabled, every toxic removed. */
  async reset(): Promise<void> {
    for (const proxy of this.#proxies.values()) {
      await proxy.setEnabled(true);
      proxy.resetToxics();
    }
  }
}

function hostString(value: string | undefined): string {
  return value === undefined ? '' : value;
}

function stripSeed(options: ChaosProxyOptions): Record<string, unknown> {
  const { seed: _seed, logger: _logger, ...rest } = options;
  return rest;
}

function isCoded(error: unknown): error is { code: string } {
  return typeof (error as { code?: unknown })?.code === 'string';
}

export function createToxiproxyServer(options: ToxiproxyServerOptions = {}): ToxiproxyServer {
  return new ToxiproxyServer(options);
}
