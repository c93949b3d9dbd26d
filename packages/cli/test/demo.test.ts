import { PassThrough } from 'node:stream';
import { noopLogger } from '@traffic/core';
import { describe, expect, it } from 'vitest';
import { renderDemoReport } from '../src/demo/demo-report.js';
import { startDemo } from '../src/demo/run-demo.js';
import { runTraffic } from './traffic-process.js';

const LATENCY_MS = 40;

describe('traffic demo', () => {
  it('shows a diff at the changed field, a forged transaction and the injected latency', async () => {
    const demo = await startDemo({
      requests: 36,
      concurrency: 4,
      latencyMs: LATENCY_MS,
      progress: new PassThrough(),
      logger: noopLogger,
    });
    try {
      const report = await demo.drive();
      expect(report.traffic.failures).toBe(0);
      expect(report.traffic.byStatus['403']).toBe(6);
      expect(report.traffic.byStatus['200']).toBe(30);

      // v2 changes /users/1 "plan" and the /orders totals; /health and the other users are equal.
      const pointers = report.diffs.flatMap((record) =>
        (record.differences ?? []).map((d) => `${record.request.url} ${d.path}`),
      );
      expect(pointers).toContain('/users/1 /plan');
      expect(pointers.some((pointer) => pointer.startsWith('/orders /orders/0/total'))).toBe(true);
      expect(pointers.some((pointer) => pointer.startsWith('/health') || pointer.startsWith('/users/2'))).toBe(false);
      expect(report.shadow.outcomes.equal).toBeGreaterThan(0);

      expect(report.forged[0]).toEqual({ method: 'GET', url: '/admin', status: 403 });
      // Every transaction ended exactly once.
      expect(report.transactions).toBe(36);
      expect(report.accessLog.total).toBe(30);
      expect(JSON.parse(report.accessLog.lines[0] as string)).toHaveProperty('request_id');

      const candidate = report.shadow.latencyMs.shadows.v2;
      expect(candidate?.p50).toBeGreaterThanOrEqual(LATENCY_MS);

      const text = renderDemoReport(report);
      expect(text).toContain('/plan: v1 "pro" → v2 "premium"');
      expect(text).toMatch(/forged: 6 transactions, e\.g\. GET \/admin → 403/);
      expect(text).toContain(`latency toxic ${LATENCY_MS} ms`);
    } finally {
      await demo.close();
    }
  });

  it('runs as `traffic demo`, exits 0 and prints the summary', async () => {
    const { code, stdout } = await runTraffic(['--log-level', 'warn', 'demo', '--requests', '24', '--latency', '20'], {
      timeoutMs: 30_000,
    });
    expect(code).toBe(0);
    expect(stdout).toContain('example diff: GET /users/1 body /plan');
    expect(stdout).toContain('forged: 4 transactions');
    expect(stdout).toContain('injected latency');
  });
});
