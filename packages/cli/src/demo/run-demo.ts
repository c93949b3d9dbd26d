import type { ChaosProxy } from '@traffic/chaos-tcp';
import { createChaosProxy } from '@traffic/chaos-tcp';
import type { Logger } from '@traffic/core';
import type { EventProxy } from '@traffic/event-proxy';
import { createEventProxy } from '@traffic/event-proxy';
import type { DiffRecord, ShadowProxy, StatsSnapshot } from '@traffic/shadow-proxy';
import { createShadowProxy } from '@traffic/shadow-proxy';
import type { DemoApi } from './demo-api.js';
import { startDemoApi } from './demo-api.js';
import type { TrafficResult } from './demo-traffic.js';
import { driveTraffic } from './demo-traffic.js';
import { waitUntilIdle } from './wait-idle.js';

/**
 * `traffic demo`: every tool working together on loopback.
 *
 *   client ─► event-proxy ─► shadow-proxy ─┬─► API v1 (master: answers the client)
 *             (forges /admin)  (access log) └─► chaos-tcp (latency toxic) ─► API v2 (candidate)
 */
export interface DemoOptions {
  requests: number;
  concurrency: number;
  latencyMs: number;
  progress: NodeJS.WritableStream & { isTTY?: boolean };
  logger: Logger;
}

export interface ForgedTransaction {
  method: string;
  url: string;
  status: number | undefined;
}

export interface DemoReport {
  traffic: TrafficResult;
  shadow: StatsSnapshot;
  diffs: DiffRecord[];
  accessLog: { lines: string[]; total: number };
  forged: ForgedTransaction[];
  transactions: number;
  latencyMs: number;
  urls: DemoUrls;
}

export interface DemoUrls {
  entry: string;
  shadow: string;
  v1: string;
  v2: string;
  chaos: string;
}

export const DEMO_PATHS: readonly string[] = ['/users/1', '/users/2', '/orders', '/health', '/users/3', '/admin'];

/** Keep memory bounded however long a --keep demo runs. */
const KEEP_DIFFS = 50;
const KEEP_LOG_LINES = 20;
const KEEP_FORGED = 20;

export interface RunningDemo {
  urls: DemoUrls;
  /** Send the burst and collect what each tool saw. */
  drive(): Promise<DemoReport>;
  close(): Promise<void>;
}

export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const started: { close(): Promise<unknown> }[] = [];
  const diffs: DiffRecord[] = [];
  const accessLog = { lines: [] as string[], total: 0 };
  const forged: ForgedTransaction[] = [];
  let transactions = 0;
  try {
    const v1: DemoApi = await startDemoApi('v1');
    started.push(v1);
    const v2: DemoApi = await startDemoApi('v2');
    started.push(v2);

    const chaos: ChaosProxy = createChaosProxy({
      name: 'demo_v2',
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${v2.port}`,
      seed: 1,
      toxics: [
        {
          name: 'demo_latency',
          type: 'latency',
          stream: 'downstream',
          toxicity: 1,
          attributes: { latency: options.latencyMs, jitter: 0 },
        },
      ],
      logger: options.logger.child({ tool: 'chaos' }),
    });
    const chaosAddress = await chaos.listen();
    started.push(chaos);
    const chaosUrl = `http://127.0.0.1:${chaosAddress.port}`;

    const shadow: ShadowProxy = createShadowProxy({
      listen: '127.0.0.1:0',
      shadowTimeoutMs: Math.max(2000, options.latencyMs * 10),
      accessLog: {
        stdout: false,
        sink: (line: string) => {
          accessLog.total++;
          if (accessLog.lines.length < KEEP_LOG_LINES) accessLog.lines.push(line.trimEnd());
        },
      },
      logger: options.logger.child({ tool: 'shadow' }),
    });
    shadow.addMaster('v1', v1.url);
    shadow.addBackend('v2', chaosUrl);
    shadow.events.on('diff', (record) => {
      if (diffs.length < KEEP_DIFFS) diffs.push(record);
    });
    const shadowAddress = await shadow.listen();
    started.push(shadow);

    const entry: EventProxy = createEventProxy({
      endpoints: [{ listen: '127.0.0.1:0', upstream: shadowAddress.url }],
      logger: options.logger.child({ tool: 'event-proxy' }),
    });
    // The forging listener: /admin never reaches the backends.
    entry.on('filter.request', (event) => {
      if (event.request.url.split('?')[0] === '/admin') {
        event.response = {
          status: 403,
          headers: { 'content-type': 'application/json' },
          body: '{"error":"forbidden by the demo rule"}\n',
        };
      }
    });
    entry.on('transaction.ended', (event) => {
      transactions++;
      if (event.outcome === 'forged' && forged.length < KEEP_FORGED) {
        forged.push({ method: event.transaction.method, url: event.transaction.url, status: event.status });
      }
    });
    const [entryAddress] = await entry.listen();
    started.push(entry);
    if (entryAddress === undefined) throw new Error('event proxy has no endpoint');
    const entryUrl = `http://${entryAddress.host.includes(':') ? `[${entryAddress.host}]` : entryAddress.host}:${entryAddress.port}`;

    const urls: DemoUrls = { entry: entryUrl, shadow: shadowAddress.url, v1: v1.url, v2: v2.url, chaos: chaosUrl };
    return {
      urls,
      async drive() {
        const traffic = await driveTraffic({
          baseUrl: entryUrl,
          paths: DEMO_PATHS,
          total: options.requests,
          concurrency: options.concurrency,
          progress: options.progress,
        });
        // Shadows answer after the client (v2 sits behind the latency toxic): let them finish.
        await waitUntilIdle(() => shadow.shadowsInFlight === 0, Math.max(5000, options.latencyMs * 20));
        return {
          traffic,
          shadow: shadow.stats(),
          diffs,
          accessLog,
          forged,
          transactions,
          latencyMs: options.latencyMs,
          urls,
        };
      },
      close: () => closeAll(started),
    };
  } catch (error) {
    await closeAll(started);
    throw error;
  }
}

async function closeAll(started: { close(): Promise<unknown> }[]): Promise<void> {
  // Front to back: stop taking traffic first, then the backends.
  for (const item of started.reverse()) {
    try {
      await item.close();
    } catch {
      // Closing is best effort: one failing close must not leave the others running.
    }
  }
}
