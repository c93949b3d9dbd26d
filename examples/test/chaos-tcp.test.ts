import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ExampleRun } from './run-example.js';
import { runExample } from './run-example.js';

// Runs each chaos-tcp example as its users would (plain node against the built dist), bounded in
// time, and checks what it prints.
const dir = fileURLToPath(new URL('../chaos-tcp/', import.meta.url));

function run(file: string): Promise<ExampleRun> {
  return runExample(`${dir}${file}`, { timeoutMs: 30_000 });
}

describe('examples/chaos-tcp', () => {
  it('redis-latency.mjs: every RESP reply is delayed by the latency toxic', async () => {
    const { code, stdout, stderr } = await run('redis-latency.mjs');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n')).toEqual([
      'PING -> +PONG (delayed ≥ 100 ms)',
      'SET greeting hello -> +OK (delayed ≥ 100 ms)',
      'GET greeting -> $5 hello (delayed ≥ 100 ms)',
    ]);
  }, 40_000);

  it('http-errors.mjs: 20:error with seed 42 injects valid 5xx answers, the rest reach the service', async () => {
    const { code, stdout } = await run('http-errors.mjs');
    expect(code).toBe(0);
    const match = /100 requests through 20:error: (\d+) ok, (\d+) injected 5xx/.exec(stdout);
    expect(match).not.toBeNull();
    const errors = Number(match![2]);
    // p = 0.2 over 100 requests: σ = 4; ±5σ.
    expect(errors).toBeGreaterThanOrEqual(1);
    expect(errors).toBeLessThanOrEqual(40);
    expect(stdout).toContain(`the service handled ${100 - errors} requests; the proxy counted ${errors} errors`);
  }, 40_000);

  it('toxiproxy-client.mjs: the npm client drives our API unchanged', async () => {
    const { code, stdout } = await run('toxiproxy-client.mjs');
    expect(code).toBe(0);
    expect(stdout).toContain('created proxy echo (enabled: true)');
    expect(stdout).toContain('added toxic latency_downstream: {"latency":150,"jitter":0}');
    expect(stdout).toContain('round trip with the toxic: ≥ 150 ms');
    expect(stdout).toContain('proxies: echo');
  }, 40_000);
});
