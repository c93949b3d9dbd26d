import { Pool } from 'undici';
import type { BackendRole } from './hooks.js';
import type { BackendOptions } from './options.js';

/** One upstream: a name, its URL and an undici Pool of keep-alive connections. */
export interface Backend {
  readonly name: string;
  readonly role: BackendRole;
  readonly url: URL;
  /** host[:port] of the URL, for Host policy `backend`. */
  readonly authority: string;
  readonly pool: Pool;
  readonly options: BackendOptions;
}

export interface PoolSettings {
  connections: number;
  keepAliveTimeoutMs: number;
  /** Idle time allowed between body chunks (0: none; shadows have a total deadline instead). */
  bodyTimeoutMs: number;
}

export function createBackend(
  name: string,
  role: BackendRole,
  url: URL,
  options: BackendOptions,
  settings: PoolSettings,
): Backend {
  const pool = new Pool(url.origin, {
    connections: settings.connections,
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    keepAliveMaxTimeout: Math.max(settings.keepAliveTimeoutMs, 10 * 60_000),
    // Our own deadlines count from dispatch; undici's per-socket head timeout would only race them.
    headersTimeout: 0,
    bodyTimeout: settings.bodyTimeoutMs,
    pipelining: 1,
  });
  return { name, role, url, authority: url.host, pool, options };
}
