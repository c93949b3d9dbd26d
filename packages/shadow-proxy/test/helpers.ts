import { request as httpRequest } from 'node:http';
import type { ScriptedResponse, ScriptFn, TestHttpServer } from '@traffic/core/testing';
import { startHttpServer } from '@traffic/core/testing';
import type { ShadowProxy, ShadowProxyOptions } from '../src/index.js';
import { createShadowProxy } from '../src/index.js';

export interface ClientResponse {
  status: number;
  rawHeaders: string[];
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A plain node:http client request (no decompression, raw headers kept). */
export function send(
  url: string,
  options: { method?: string; path?: string; headers?: Record<string, string> | string[]; body?: Buffer | string } = {},
): Promise<ClientResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (chunk: Buffer) => parts.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            rawHeaders: res.rawHeaders,
            headers: res.headers,
            body: Buffer.concat(parts),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface Setup {
  proxy: ShadowProxy;
  url: string;
  master: TestHttpServer;
  shadow: TestHttpServer;
  close(): Promise<void>;
}

/** A master, one shadow named "candidate" and a proxy on loopback; close() stops all three. */
export async function setup(
  masterScript: ScriptedResponse | ScriptFn,
  shadowScript: ScriptedResponse | ScriptFn,
  options: ShadowProxyOptions = {},
): Promise<Setup> {
  const master = await startHttpServer(masterScript);
  const shadow = await startHttpServer(shadowScript);
  const proxy = createShadowProxy({ listen: '127.0.0.1:0', ...options });
  proxy.addMaster('live', master.url).addBackend('candidate', shadow.url);
  const { url } = await proxy.listen();
  return {
    proxy,
    url,
    master,
    shadow,
    async close() {
      await Promise.all([master.close(), shadow.close()]);
      await proxy.close();
    },
  };
}

/** Wait until the proxy has counted `count` outcomes in total. */
export async function outcomesAtLeast(proxy: ShadowProxy, count: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const outcomes = proxy.stats().outcomes;
    const total = Object.values(outcomes).reduce((sum, value) => sum + value, 0);
    if (total >= count) return;
    if (Date.now() > deadline) throw new Error(`expected ${count} outcomes, got ${JSON.stringify(outcomes)}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
