import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ExampleRun } from './run-example.js';
import { runExample } from './run-example.js';

// Runs each event-proxy example as its users would (plain node against the built dist), with a
// bounded time, and checks what it prints.
const dir = fileURLToPath(new URL('../event-proxy/', import.meta.url));

function run(file: string): Promise<ExampleRun> {
  return runExample(`${dir}${file}`, { timeoutMs: 30_000 });
}

describe('examples/event-proxy', () => {
  it('forge-403.mjs answers 403 for /admin without calling the upstream', async () => {
    const { code, stdout, stderr } = await run('forge-403.mjs');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n')).toEqual([
      'GET /public/page -> 200 upstream saw /public/page',
      'GET /admin/users -> 403 forbidden by the proxy',
      'GET /admin -> 403 forbidden by the proxy',
      'upstream received 1 request(s)',
    ]);
  }, 40_000);

  it('rewrite-headers.mjs removes server headers and adds security and cache headers', async () => {
    const { code, stdout } = await run('rewrite-headers.mjs');
    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n')).toEqual([
      'GET /static/app.css -> 200 server=(none) x-powered-by=(none) x-content-type-options=nosniff cache-control=public, max-age=3600',
      'GET /account -> 200 server=(none) x-powered-by=(none) x-content-type-options=nosniff cache-control=no-store',
    ]);
  }, 40_000);

  it('transaction-timer.mjs prints one timed line per transaction with its outcome', async () => {
    const { code, stdout } = await run('transaction-timer.mjs');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^GET \/fast status=200 outcome=ok total=[\d.]+ ms upstream=[\d.]+ ms$/);
    const slow = /^GET \/slow status=200 outcome=ok total=([\d.]+) ms upstream=([\d.]+) ms$/.exec(lines[1] ?? '');
    expect(slow).not.toBeNull();
    expect(Number(slow?.[1])).toBeGreaterThanOrEqual(100);
    expect(Number(slow?.[2])).toBeGreaterThanOrEqual(100);
    expect(lines[2]).toMatch(/^GET \/health status=204 outcome=forged total=[\d.]+ ms upstream=-$/);
    expect(lines[3]).toBe('outcomes: ok=2 forged=1');
  }, 40_000);
});
