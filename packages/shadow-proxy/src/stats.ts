import { LatencyHistogram } from './latency-histogram.js';
import type { Outcome, OutcomeCounts, SkipReason } from './outcomes.js';
import { emptyOutcomeCounts } from './outcomes.js';

/**
 * Counters and latency percentiles for the stats summary. Endpoint cardinality is bounded: ids in
 * paths are folded to ":id", and past `maxEndpoints` distinct endpoints the rest share "(other)".
 */
export interface EndpointStats {
  endpoint: string;
  compared: number;
  diffs: number;
  diffRate: number;
}

export interface StatsSnapshot {
  /** ms since the proxy started. */
  uptimeMs: number;
  requests: number;
  /** Requests answered by the proxy itself: 502, 504, 508, 400. */
  proxyErrors: { badGateway: number; gatewayTimeout: number; loop: number; badRequest: number };
  outcomes: OutcomeCounts;
  skipped: Partial<Record<SkipReason, number>>;
  perBackend: Record<string, OutcomeCounts>;
  latencyMs: {
    master: { count: number; p50: number; p99: number };
    shadows: Record<string, { count: number; p50: number; p99: number }>;
  };
  diffRate: number;
  endpoints: EndpointStats[];
  endpointsOverflowed: boolean;
  shadowsInFlight: number;
  diffLog: { written: number; dropped: number };
  hookErrors: number;
}

const OTHER = '(other)';

export class ShadowStats {
  readonly startedMs: number;
  requests = 0;
  readonly proxyErrors = { badGateway: 0, gatewayTimeout: 0, loop: 0, badRequest: 0 };
  readonly outcomes = emptyOutcomeCounts();
  readonly skipped: Partial<Record<SkipReason, number>> = {};
  readonly perBackend = new Map<string, OutcomeCounts>();
  readonly master = new LatencyHistogram();
  readonly shadows = new Map<string, LatencyHistogram>();
  readonly #endpoints = new Map<string, { compared: number; diffs: number }>();
  readonly #maxEndpoints: number;
  #overflowed = false;
  hookErrors = 0;

  constructor(maxEndpoints: number, nowMs: number) {
    this.#maxEndpoints = maxEndpoints;
    this.startedMs = nowMs;
  }

  count(backend: string, outcome: Outcome, reason?: SkipReason): void {
    this.outcomes[outcome]++;
    let counts = this.perBackend.get(backend);
    if (counts === undefined) {
      counts = emptyOutcomeCounts();
      this.perBackend.set(backend, counts);
    }
    counts[outcome]++;
    if (reason !== undefined) this.skipped[reason] = (this.skipped[reason] ?? 0) + 1;
  }

  shadowLatency(backend: string, ms: number): void {
    let histogram = this.shadows.get(backend);
    if (histogram === undefined) {
      histogram = new LatencyHistogram();
      this.shadows.set(backend, histogram);
    }
    histogram.record(ms);
  }

  compared(method: string, target: string, differed: boolean): void {
    let key = endpointKey(method, target);
    let entry = this.#endpoints.get(key);
    if (entry === undefined) {
      if (this.#endpoints.size >= this.#maxEndpoints) {
        this.#overflowed = true;
        key = OTHER;
        entry = this.#endpoints.get(key);
      }
      if (entry === undefined) {
        entry = { compared: 0, diffs: 0 };
        this.#endpoints.set(key, entry);
      }
    }
    entry.compared++;
    if (differed) entry.diffs++;
  }

  snapshot(nowMs: number, shadowsInFlight: number, diffLog: { written: number; dropped: number }): StatsSnapshot {
    const compared = this.outcomes.equal + this.outcomes.diff;
    const shadows: Record<string, { count: number; p50: number; p99: number }> = {};
    for (const [name, histogram] of this.shadows) shadows[name] = summary(histogram);
    return {
      uptimeMs: nowMs - this.startedMs,
      requests: this.requests,
      proxyErrors: { ...this.proxyErrors },
      outcomes: { ...this.outcomes },
      skipped: { ...this.skipped },
      perBackend: Object.fromEntries([...this.perBackend].map(([name, counts]) => [name, { ...counts }])),
      latencyMs: { master: summary(this.master), shadows },
      diffRate: compared === 0 ? 0 : this.outcomes.diff / compared,
      endpoints: [...this.#endpoints]
        .map(([endpoint, entry]) => ({
          endpoint,
          compared: entry.compared,
          diffs: entry.diffs,
          diffRate: entry.compared === 0 ? 0 : entry.diffs / entry.compared,
        }))
        .sort((a, b) => b.diffs - a.diffs || b.compared - a.compared),
      endpointsOverflowed: this.#overflowed,
      shadowsInFlight,
      diffLog,
      hookErrors: this.hookErrors,
    };
  }
}

function summary(histogram: LatencyHistogram): { count: number; p50: number; p99: number } {
  return { count: histogram.count, p50: round(histogram.percentile(50)), p99: round(histogram.percentile(99)) };
}

function round(ms: number): number {
  return Number.isNaN(ms) ? 0 : Math.round(ms * 1000) / 1000;
}

const ID_SEGMENT = /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|[^/]{33,})$/i;

/** "GET /users/42/orders?x=1" → "GET /users/:id/orders": ids would make one endpoint per user. */
export function endpointKey(method: string, target: string): string {
  const query = target.indexOf('?');
  const path = query < 0 ? target : target.slice(0, query);
  const segments = path.split('/').map((segment) => (ID_SEGMENT.test(segment) ? ':id' : segment));
  return `${method} ${segments.join('/')}`;
}

/** A few lines for stderr: totals, outcomes, latency, the endpoints with most diffs. */
export function formatStats(stats: StatsSnapshot, top = 5): string {
  const outcomes = Object.entries(stats.outcomes)
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${name}=${count}`)
    .join(' ');
  const skipped = Object.entries(stats.skipped)
    .map(([name, count]) => `${name}=${count}`)
    .join(' ');
  const shadows = Object.entries(stats.latencyMs.shadows)
    .map(([name, s]) => `${name} p50=${s.p50}ms p99=${s.p99}ms`)
    .join('; ');
  const lines = [
    `shadow stats: requests=${stats.requests} diff_rate=${(stats.diffRate * 100).toFixed(2)}% ${outcomes}${skipped ? ` (skipped: ${skipped})` : ''}`,
    `  latency: master p50=${stats.latencyMs.master.p50}ms p99=${stats.latencyMs.master.p99}ms${shadows ? `; ${shadows}` : ''}`,
  ];
  for (const endpoint of stats.endpoints.slice(0, top)) {
    lines.push(
      `  ${endpoint.endpoint}: ${endpoint.diffs}/${endpoint.compared} differ (${(endpoint.diffRate * 100).toFixed(1)}%)`,
    );
  }
  return `${lines.join('\n')}\n`;
}
