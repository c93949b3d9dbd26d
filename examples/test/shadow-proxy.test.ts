import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ExampleRun } from './run-example.js';
import { runExample } from './run-example.js';

// Runs the shadow-proxy example as its users would (plain node against the built dist), with a
// bounded time, and checks that it names the changed field.
const dir = fileURLToPath(new URL('../shadow-proxy/', import.meta.url));

function run(file: string): Promise<ExampleRun> {
  return runExample(`${dir}${file}`, { timeoutMs: 30_000 });
}

describe('examples/shadow-proxy', () => {
  it('json-api-v1-v2.mjs reports exactly the changed field by its JSON pointer', async () => {
    const { code, stdout, stderr } = await run('json-api-v1-v2.mjs');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.filter((line) => line.includes(': diff at '))).toEqual([
      'GET /users/1: diff at /user/plan: "pro" -> "professional"',
    ]);
    expect(lines).toContain('client got 200 from /users/1');
    expect(lines).toContain('client got 404 from /users/3');
    expect(lines.at(-1)).toBe('outcomes: equal=2 diff=1');
  }, 40_000);
});
