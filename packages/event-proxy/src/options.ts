import type { HostPort, Logger } from '@traffic/core';
import {
  booleanOption,
  hostPortOption,
  InvalidOptionError,
  integerOption,
  noopLogger,
  oneOfOption,
  rejectUnknownOptions,
  urlOption,
} from '@traffic/core';

/** What to do when a hook listener throws before the response head is sent. */
export type ListenerErrorPolicy = 'respond-500' | 'continue';

export interface EndpointOptions {
  /** Listen address: "host:port", "[::1]:port", ":port" or a port number (host defaults to 127.0.0.1). */
  listen: string | number | HostPort;
  /** One upstream URL, or several served round-robin. A path in the URL prefixes every request path. */
  upstream: string | URL | readonly (string | URL)[];
}

export interface EventProxyOptions {
  /** One or more listen addresses, each with its upstream(s). */
  endpoints: readonly EndpointOptions[];
  /** TCP connect timeout towards an upstream (→ 504). */
  connectTimeoutMs?: number;
  /** Time from sending the request to the upstream's response head (→ 504). */
  headersTimeoutMs?: number;
  /** Longest gap between two upstream body chunks (→ 504 before the head is sent, reset after). */
  bodyTimeoutMs?: number;
  /** Keep-alive connections per upstream. */
  upstreamConnections?: number;
  /**
   * Cap on open client connections per endpoint (more are refused by the kernel backlog / closed).
   * It also bounds the requests waiting for an upstream connection: one per client connection.
   */
  maxClientConnections?: number;
  /** Idle keep-alive connections to an upstream are closed after this long. */
  keepAliveTimeoutMs?: number;
  /** Add X-Forwarded-For (appended), X-Forwarded-Proto and X-Forwarded-Host. */
  xForwarded?: boolean;
  /** Send the upstream's host as Host instead of the client's. */
  changeOrigin?: boolean;
  /** A throwing listener answers 500 (default) or the transaction continues as if it had returned. */
  listenerErrorPolicy?: ListenerErrorPolicy;
  /** Limit used by `event.body()` when the listener gives none. */
  defaultBodyLimit?: number;
  /** Verify upstream TLS certificates (https upstreams). */
  rejectUnauthorized?: boolean;
  /** Pass WebSocket/Upgrade requests through as a raw tunnel (false: answer 501). */
  upgrades?: boolean;
  /** Access log through @traffic/http-logger: true, or that package's options. */
  accessLog?: boolean | Record<string, unknown>;
  logger?: Logger;
}

export interface ResolvedEndpoint {
  listen: HostPort;
  upstreams: URL[];
}

export interface ResolvedOptions {
  endpoints: ResolvedEndpoint[];
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  upstreamConnections: number;
  maxClientConnections: number;
  keepAliveTimeoutMs: number;
  xForwarded: boolean;
  changeOrigin: boolean;
  listenerErrorPolicy: ListenerErrorPolicy;
  defaultBodyLimit: number;
  rejectUnauthorized: boolean;
  upgrades: boolean;
  accessLog: false | Record<string, unknown>;
  logger: Logger;
}

export const DEFAULTS = Object.freeze({
  endpoints: [] as readonly EndpointOptions[],
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  upstreamConnections: 128,
  maxClientConnections: 10_000,
  keepAliveTimeoutMs: 4_000,
  xForwarded: true,
  changeOrigin: false,
  listenerErrorPolicy: 'respond-500' as ListenerErrorPolicy,
  defaultBodyLimit: 1024 * 1024,
  rejectUnauthorized: true,
  upgrades: true,
  accessLog: false as boolean | Record<string, unknown>,
  logger: noopLogger as Logger,
});

const MAX_MS = 24 * 3600 * 1000;

export function resolveOptions(options: EventProxyOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError('options', options, 'an object with endpoints');
  }
  rejectUnknownOptions('createEventProxy', options, DEFAULTS);
  const o = { ...DEFAULTS, ...options };
  if (!Array.isArray(o.endpoints) || o.endpoints.length === 0) {
    throw new InvalidOptionError(
      'endpoints',
      o.endpoints,
      'a non-empty array of { listen, upstream }, e.g. [{ listen: "127.0.0.1:4000", upstream: "http://127.0.0.1:9000" }]',
    );
  }
  const endpoints = o.endpoints.map((endpoint, index) => resolveEndpoint(endpoint, index));
  const accessLog = o.accessLog;
  if (typeof accessLog !== 'boolean' && (accessLog === null || typeof accessLog !== 'object')) {
    throw new InvalidOptionError('accessLog', accessLog, 'true, false or an object of @traffic/http-logger options');
  }
  return {
    endpoints,
    connectTimeoutMs: integerOption('connectTimeoutMs', o.connectTimeoutMs, 1, MAX_MS),
    headersTimeoutMs: integerOption('headersTimeoutMs', o.headersTimeoutMs, 1, MAX_MS),
    bodyTimeoutMs: integerOption('bodyTimeoutMs', o.bodyTimeoutMs, 1, MAX_MS),
    upstreamConnections: integerOption('upstreamConnections', o.upstreamConnections, 1, 100_000),
    maxClientConnections: integerOption('maxClientConnections', o.maxClientConnections, 1, 1_000_000),
    keepAliveTimeoutMs: integerOption('keepAliveTimeoutMs', o.keepAliveTimeoutMs, 1, MAX_MS),
    xForwarded: booleanOption('xForwarded', o.xForwarded),
    changeOrigin: booleanOption('changeOrigin', o.changeOrigin),
    listenerErrorPolicy: oneOfOption('listenerErrorPolicy', o.listenerErrorPolicy, ['respond-500', 'continue']),
    defaultBodyLimit: integerOption('defaultBodyLimit', o.defaultBodyLimit, 0),
    rejectUnauthorized: booleanOption('rejectUnauthorized', o.rejectUnauthorized),
    upgrades: booleanOption('upgrades', o.upgrades),
    accessLog: accessLog === true ? {} : accessLog === false ? false : { ...accessLog },
    logger: o.logger,
  };
}

function resolveEndpoint(endpoint: EndpointOptions, index: number): ResolvedEndpoint {
  const where = `endpoints[${index}]`;
  if (endpoint === null || typeof endpoint !== 'object') {
    throw new InvalidOptionError(where, endpoint, 'an object { listen, upstream }');
  }
  rejectUnknownOptions(where, endpoint, { listen: 0, upstream: 0 });
  const listen =
    typeof endpoint.listen === 'object' && endpoint.listen !== null
      ? {
          host: String(endpoint.listen.host),
          port: integerOption(`${where}.listen.port`, endpoint.listen.port, 0, 65535),
        }
      : hostPortOption(`${where}.listen`, endpoint.listen);
  const list = Array.isArray(endpoint.upstream) ? endpoint.upstream : [endpoint.upstream];
  if (list.length === 0) throw new InvalidOptionError(`${where}.upstream`, endpoint.upstream, 'at least one URL');
  const upstreams = list.map((url, i) => {
    const parsed = urlOption(`${where}.upstream${list.length > 1 ? `[${i}]` : ''}`, url);
    if (parsed.search !== '' || parsed.hash !== '' || parsed.username !== '' || parsed.password !== '') {
      throw new InvalidOptionError(
        `${where}.upstream`,
        String(url),
        'a URL without query, fragment or credentials, e.g. http://127.0.0.1:9000/api',
      );
    }
    return parsed;
  });
  return { listen, upstreams };
}
