import type { ChaosProxy } from './chaos-proxy.js';

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Prometheus text exposition of every proxy's counters (GET /metrics). */
export function renderMetrics(proxies: Iterable<ChaosProxy>): string {
  const lines: string[] = [];
  const family = (name: string, type: 'counter' | 'gauge', help: string, rows: [string, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of rows) lines.push(`${name}{${labels}} ${value}`);
  };
  const all = [...proxies].map((proxy) => ({
    proxy,
    stats: proxy.stats(),
    label: `proxy="${escapeLabel(proxy.name)}"`,
  }));
  family(
    'toxiproxy_proxy_sent_bytes_total',
    'counter',
    'Bytes sent through the proxy by direction (closed connections).',
    all.flatMap(({ stats, label }) => [
      [`${label},direction="upstream"`, stats.bytesUp] as [string, number],
      [`${label},direction="downstream"`, stats.bytesDown] as [string, number],
    ]),
  );
  family(
    'chaos_proxy_connections_total',
    'counter',
    'Connections accepted.',
    all.map(({ stats, label }) => [label, stats.accepted]),
  );
  family(
    'chaos_proxy_active_connections',
    'gauge',
    'Connections open now.',
    all.map(({ stats, label }) => [label, stats.active]),
  );
  family(
    'chaos_proxy_rejected_total',
    'counter',
    'Connections refused over maxConnections.',
    all.map(({ stats, label }) => [label, stats.rejected]),
  );
  family(
    'chaos_proxy_upstream_errors_total',
    'counter',
    'Upstream connects that failed (refused or timed out).',
    all.map(({ stats, label }) => [label, stats.upstreamErrors]),
  );
  family(
    'chaos_proxy_behavior_errors_total',
    'counter',
    'Calls where a custom behaviour threw (the call was forwarded).',
    all.map(({ stats, label }) => [label, stats.behaviorErrors]),
  );
  family(
    'chaos_proxy_faults_total',
    'counter',
    'Faults injected by behaviour.',
    all.flatMap(({ stats, label }) =>
      Object.entries(stats.faults).map(
        ([behavior, count]) => [`${label},behavior="${escapeLabel(behavior)}"`, count] as [string, number],
      ),
    ),
  );
  return `${lines.join('\n')}\n`;
}
