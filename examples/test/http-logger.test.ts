import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ExampleRun } from './run-example.js';
import { runExample } from './run-example.js';

// Runs each http-logger example as its users would (plain node, the built dist) and checks what
// it prints: NDJSON access log lines on stdout, commentary on stderr.
const dir = fileURLToPath(new URL('../http-logger/', import.meta.url));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function run(file: string): Promise<ExampleRun> {
  return runExample(`${dir}${file}`, { timeoutMs: 15_000 });
}

function records(stdout: string): Record<string, unknown>[] {
  return stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('examples/http-logger', () => {
  it('node-http-server.mjs logs one line per request with ids kept, replaced and redacted', async () => {
    const { code, stdout, stderr } = await run('node-http-server.mjs');
    expect(stderr).toMatch(/X-Request-Id: [0-9a-f-]{36}/);
    expect(code).toBe(0);
    const lines = records(stdout);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ method: 'GET', url: '/hello', status: 200, aborted: false });
    expect(lines[0]?.request_id).toMatch(UUID);
    expect(lines[1]).toMatchObject({ request_id: 'client-req-42', url: '/search?q=cats&token=[REDACTED]' });
    expect(lines[2]?.request_id).toMatch(UUID);
    expect(lines[2]?.duration_ms as number).toBeGreaterThanOrEqual(15);
    expect(stdout).not.toContain('abc123');
  }, 20_000);

  it('express-app.mjs logs with extra fields and serves counters per route template', async () => {
    const { code, stdout, stderr } = await run('express-app.mjs');
    expect(code).toBe(0);
    const lines = records(stdout);
    expect(lines.map((line) => line.url)).toEqual([
      '/items/1',
      '/items/2',
      '/items/3',
      '/no-such-page',
      '/__/counters',
      '/metrics',
    ]);
    expect(lines.every((line) => line.service === 'example-shop')).toBe(true);
    expect(lines[3]?.status).toBe(404);
    expect(stderr).toContain('"route":"/items/:id","requests":3');
    expect(stderr).toContain(
      '# metrics: http_logger_route_requests_total{method="GET",route="/items/:id",status_class="2xx"} 3',
    );
  }, 20_000);
});
