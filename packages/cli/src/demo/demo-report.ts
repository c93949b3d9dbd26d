import type { DemoReport } from './run-demo.js';

/** The summary printed at the end of `traffic demo`: what each tool saw. */
export function renderDemoReport(report: DemoReport): string {
  const out: string[] = [];
  const statuses = Object.entries(report.traffic.byStatus)
    .map(([status, count]) => `${status}×${count}`)
    .join(', ');
  out.push('', '== traffic');
  out.push(
    `  ${report.traffic.sent} requests through the event proxy: ${statuses}${report.traffic.failures ? `, ${report.traffic.failures} failed (${report.traffic.firstFailure})` : ''}`,
  );

  const { outcomes } = report.shadow;
  out.push('', '== shadow-proxy (master v1, candidate v2)');
  out.push(
    `  outcomes: ${
      Object.entries(outcomes)
        .filter(([, count]) => count > 0)
        .map(([name, count]) => `${name} ${count}`)
        .join(', ') || 'none'
    }`,
  );
  out.push('  diff rate per endpoint:');
  for (const endpoint of report.shadow.endpoints) {
    out.push(
      `    ${endpoint.endpoint.padEnd(22)} ${String(endpoint.diffs).padStart(3)} of ${String(endpoint.compared).padStart(3)} differ (${(endpoint.diffRate * 100).toFixed(0)}%)`,
    );
  }
  const example = report.diffs.find((record) => record.outcome === 'diff' && (record.differences?.length ?? 0) > 0);
  const difference = example?.differences?.[0];
  if (example && difference) {
    out.push(
      `  example diff: ${example.request.method} ${example.request.url} ${difference.kind} ${difference.path}: v1 ${JSON.stringify(difference.master)} → v2 ${JSON.stringify(difference.shadow)}`,
    );
  } else {
    out.push('  example diff: none recorded');
  }

  out.push('', `== http-logger (shadow proxy access log: ${report.accessLog.total} lines, first 3)`);
  for (const line of report.accessLog.lines.slice(0, 3)) out.push(`  ${line}`);

  out.push('', `== event-proxy (${report.transactions} transactions)`);
  const forged = report.forged[0];
  out.push(
    forged
      ? `  forged: ${report.forged.length} transactions, e.g. ${forged.method} ${forged.url} → ${forged.status} without calling the upstream`
      : '  forged: none',
  );

  const master = report.shadow.latencyMs.master;
  const candidate = report.shadow.latencyMs.shadows.v2;
  out.push('', `== chaos-tcp (latency toxic ${report.latencyMs} ms on v2's responses)`);
  out.push(
    `  master v1 p50 ${master.p50.toFixed(1)} ms; candidate v2 through the toxic p50 ${candidate ? candidate.p50.toFixed(1) : 'n/a'} ms`,
  );
  if (candidate) {
    out.push(
      `  injected latency: v2 answered after ≥ ${candidate.p50.toFixed(1)} ms at p50 (toxic ${report.latencyMs} ms)`,
    );
  }
  out.push('');
  return out.join('\n');
}
