import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TrafficError } from '@traffic/core';
import type { Gor, MiddlewareOptions } from '@traffic/gor-middleware';
import { readJsonConfig } from '../config-file.js';
import { UsageError } from '../errors.js';

/** Flags shared by `traffic gor` and `traffic gor replay`, mapped onto createMiddleware options. */
export interface GorFlags {
  config?: string;
  concurrency?: string;
  workers?: string;
  keyedTtl?: string;
  maxKeyed?: string;
  onHandlerError?: string;
}

function integerFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** --config JSON first, flags override it; createMiddleware validates the result. */
export async function middlewareOptions(flags: GorFlags): Promise<MiddlewareOptions> {
  const fromFile = flags.config === undefined ? {} : await readJsonConfig(flags.config);
  const fromFlags: Record<string, unknown> = {
    concurrency: integerFlag('concurrency', flags.concurrency),
    workers: integerFlag('workers', flags.workers),
    keyedTtlMs: integerFlag('keyed-ttl', flags.keyedTtl),
    maxKeyed: integerFlag('max-keyed', flags.maxKeyed),
    onHandlerError: flags.onHandlerError,
  };
  const merged: Record<string, unknown> = { ...fromFile };
  for (const [key, value] of Object.entries(fromFlags)) if (value !== undefined) merged[key] = value;
  return merged as MiddlewareOptions;
}

/** Import a middleware module (.js, .mjs, .cjs or .ts through tsx) and return its default export. */
export async function loadMiddlewareModule(path: string): Promise<(gor: Gor) => unknown> {
  const url = pathToFileURL(resolve(path)).href;
  let loaded: { default?: unknown };
  try {
    if (/\.[mc]?ts$/.test(path)) {
      // tsx's ESM API: TypeScript modules load without a build step, wherever they live.
      const { register } = await import('tsx/esm/api');
      // Stays registered: the module may import more TypeScript later.
      const scoped = register({ namespace: 'traffic-gor' });
      loaded = (await scoped.import(url, import.meta.url)) as { default?: unknown };
    } else loaded = (await import(url)) as { default?: unknown };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TrafficError(
      'TRAFFIC_ERR_GOR_MODULE_INVALID',
      code === 'ERR_MODULE_NOT_FOUND' && (error as Error).message.includes(resolve(path))
        ? `middleware module ${path} not found`
        : `cannot load middleware module ${path}: ${(error as Error).message}`,
      { cause: error, details: { path } },
    );
  }
  // A TypeScript or CommonJS module compiled as CJS arrives as { default: { default: fn } }.
  const inner = (loaded.default as { default?: unknown } | undefined)?.default;
  if (typeof loaded.default !== 'function' && typeof inner === 'function') return inner as (gor: Gor) => unknown;
  if (typeof loaded.default !== 'function') {
    throw new TrafficError(
      'TRAFFIC_ERR_GOR_MODULE_INVALID',
      `middleware module ${path} has no default export function: write \`export default (gor) => { gor.on('request', (req) => req); }\` (a script that calls gor.run() itself runs with plain node)`,
      { details: { path } },
    );
  }
  return loaded.default as (gor: Gor) => unknown;
}
