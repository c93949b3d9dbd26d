import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from '@traffic/core';
import { TrafficError } from '@traffic/core';
import type { EventProxy } from '@traffic/event-proxy';

/** What a plugin's default export receives besides the proxy. */
export interface ProxyPluginContext {
  logger: Logger;
  /** The path the plugin was loaded from. */
  path: string;
}

export type ProxyPlugin = (proxy: EventProxy, context: ProxyPluginContext) => unknown;

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);

/**
 * Load a `--plugin` module and hand it the proxy. TypeScript plugins go through tsx's ESM API
 * (`tsImport`: a loader scoped to that import, loaded only when a .ts plugin is asked for). The
 * global `register()` hook is not used: on Node 20.19+ a loose .ts file outside a "type": "module"
 * package is compiled as CommonJS and then fails with ERR_REQUIRE_CYCLE_MODULE.
 */
export async function loadProxyPlugin(path: string, proxy: EventProxy, logger: Logger): Promise<void> {
  const absolute = resolve(path);
  let module: { default?: unknown };
  try {
    if (TS_EXTENSIONS.has(extname(absolute))) {
      const { tsImport } = await import('tsx/esm/api');
      module = (await tsImport(pathToFileURL(absolute).href, import.meta.url)) as { default?: unknown };
      // A .ts file compiled as CommonJS arrives as { default: { default: fn } }.
      const inner = module.default as { default?: unknown } | undefined;
      if (typeof module.default !== 'function' && typeof inner?.default === 'function') module = inner;
    } else {
      module = (await import(pathToFileURL(absolute).href)) as { default?: unknown };
    }
  } catch (error) {
    throw new TrafficError(
      'TRAFFIC_ERR_EVENT_PROXY_PLUGIN_INVALID',
      `cannot load plugin ${path}: ${(error as Error).message}`,
      { cause: error, details: { path } },
    );
  }
  if (typeof module.default !== 'function') {
    throw new TrafficError(
      'TRAFFIC_ERR_EVENT_PROXY_PLUGIN_INVALID',
      `plugin ${path} must have a default export that is a function receiving the proxy, e.g. export default (proxy) => { proxy.on('filter.request', …) }`,
      { details: { path } },
    );
  }
  try {
    await (module.default as ProxyPlugin)(proxy, { logger, path: absolute });
  } catch (error) {
    throw new TrafficError(
      'TRAFFIC_ERR_EVENT_PROXY_PLUGIN_INVALID',
      `plugin ${path} threw while setting up: ${(error as Error).message}`,
      { cause: error, details: { path } },
    );
  }
}
