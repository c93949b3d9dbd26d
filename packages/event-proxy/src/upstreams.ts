import { Pool } from 'undici';

/** One upstream origin with its keep-alive pool and the base path its URL carries. */
export interface Upstream {
  readonly origin: string;
  /** Host header value for changeOrigin. */
  readonly host: string;
  readonly hostname: string;
  readonly port: number;
  readonly tls: boolean;
  /** The URL's path without the trailing slash ("" for "/"), prefixed to every request path. */
  readonly basePath: string;
  readonly pool: Pool;
}

export interface PoolSettings {
  connections: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  keepAliveTimeoutMs: number;
  rejectUnauthorized: boolean;
}

/** The upstreams of one endpoint, picked round-robin. */
export class UpstreamSet {
  readonly #list: Upstream[];
  #next = 0;

  constructor(urls: readonly URL[], settings: PoolSettings) {
    this.#list = urls.map((url) => {
      const tls = url.protocol === 'https:';
      const port = url.port === '' ? (tls ? 443 : 80) : Number(url.port);
      return {
        origin: url.origin,
        host: url.host,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port,
        tls,
        basePath: url.pathname === '/' ? '' : url.pathname.replace(/\/$/, ''),
        pool: new Pool(url.origin, {
          connections: settings.connections,
          pipelining: 1,
          connectTimeout: settings.connectTimeoutMs,
          headersTimeout: settings.headersTimeoutMs,
          bodyTimeout: settings.bodyTimeoutMs,
          keepAliveTimeout: settings.keepAliveTimeoutMs,
          connect: { rejectUnauthorized: settings.rejectUnauthorized },
        }),
      };
    });
  }

  get size(): number {
    return this.#list.length;
  }

  get origins(): string[] {
    return this.#list.map((upstream) => upstream.origin);
  }

  pick(): Upstream {
    const upstream = this.#list[this.#next] as Upstream;
    this.#next = this.#next + 1 === this.#list.length ? 0 : this.#next + 1;
    return upstream;
  }

  /** Close idle connections and wait for in-flight requests; destroy after graceMs. */
  async close(graceMs: number): Promise<void> {
    await Promise.all(
      this.#list.map(async ({ pool }) => {
        let timer: NodeJS.Timeout | undefined;
        const forced = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            pool.destroy().then(resolve, resolve);
          }, graceMs);
        });
        await Promise.race([pool.close().catch(() => {}), forced]);
        clearTimeout(timer);
      }),
    );
  }
}

/**
 * The path sent upstream: always built from the request's path and query only, joined to the
 * upstream's base path. `//evil.example/x` stays a path on the configured upstream; an absolute-form
 * target (`http://host/p`) keeps only its path. Anything else (e.g. `*`) gets undefined → 400.
 */
export function upstreamPath(target: string, basePath: string): string | undefined {
  if (target.charCodeAt(0) === 47 /* / */) return basePath === '' ? target : basePath + target;
  if (/^https?:\/\//i.test(target)) {
    try {
      const url = new URL(target);
      return basePath + url.pathname + url.search;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
