import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestHttpServer } from '@traffic/core/testing';
import { startHttpServer } from '@traffic/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../src/main.js';
import { captureIo, runMain } from './capture-io.js';
import { startTraffic } from './traffic-process.js';

let dir = '';
let upstream: TestHttpServer | undefined;
const closers: (() => Promise<void>)[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'traffic-proxy-cli-'));
  writeFileSync(
    join(dir, 'listeners.mjs'),
    `export default (proxy) => {
  proxy.on('filter.request', (event) => {
    if (event.request.url === '/blocked') event.response = { status: 403, headers: {}, body: 'blocked by plugin' };
  });
  proxy.on('filter.response', (event) => {
    event.response.headers['x-plugin'] = 'mjs';
  });
};
`,
  );
  writeFileSync(
    join(dir, 'typed.ts'),
    `import type { EventProxy } from '@traffic/event-proxy';
const tag: string = 'ts';
export default (proxy: EventProxy): void => {
  proxy.on('filter.response', (event) => {
    if (event.response) event.response.headers['x-typed'] = tag;
  });
};
`,
  );
  writeFileSync(join(dir, 'no-default.mjs'), 'export const notDefault = 1;\n');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await upstream?.close();
  upstream = undefined;
});

/** Run the program in-process; long-running commands register their close() in `closers`. */
async function runInProcess(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const capture = captureIo();
  const program = buildProgram(capture.io, (close) => closers.push(close));
  await program.parseAsync(['--log-level', 'silent', ...args], { from: 'user' });
  return { stdout: capture.out(), stderr: capture.err() };
}

function listeningUrl(stdout: string): string {
  const match = /listening on (http:\/\/\S+)/.exec(stdout);
  if (!match?.[1]) throw new Error(`no listening line in ${JSON.stringify(stdout)}`);
  return match[1];
}

describe('traffic proxy (built binary)', () => {
  it('serves through a plugin and exits 0 on SIGTERM', async () => {
    upstream = await startHttpServer({ body: 'from upstream' });
    const traffic = startTraffic([
      '--log-level',
      'warn',
      'proxy',
      '--listen',
      '127.0.0.1:0',
      '--upstream',
      upstream.url,
      '--plugin',
      join(dir, 'listeners.mjs'),
    ]);
    try {
      await traffic.waitForStdout(/listening on/);
      const url = listeningUrl(traffic.stdout());
      const ok = await fetch(`${url}/hello`);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe('from upstream');
      expect(ok.headers.get('x-plugin')).toBe('mjs');
      const blocked = await fetch(`${url}/blocked`);
      expect(blocked.status).toBe(403);
      expect(await blocked.text()).toBe('blocked by plugin');
      expect(upstream.requests.map((request) => request.url)).toEqual(['/hello']);
      const code = await traffic.stop('SIGTERM');
      expect(code).toBe(0);
    } finally {
      if (traffic.child.exitCode === null) traffic.child.kill('SIGKILL');
    }
  });
});

describe('traffic proxy (in process)', () => {
  it('loads a TypeScript plugin', async () => {
    upstream = await startHttpServer({ body: 'ok' });
    const { stdout } = await runInProcess([
      'proxy',
      '--listen',
      '127.0.0.1:0',
      '--upstream',
      upstream.url,
      '--plugin',
      join(dir, 'typed.ts'),
    ]);
    const reply = await fetch(`${listeningUrl(stdout)}/`);
    expect(reply.headers.get('x-typed')).toBe('ts');
  });

  it('reads endpoints, options and plugins from --config; flags override', async () => {
    upstream = await startHttpServer({ hang: true });
    const config = join(dir, 'proxy.json');
    writeFileSync(
      config,
      JSON.stringify({
        endpoints: [{ listen: '127.0.0.1:0', upstream: upstream.url }],
        headersTimeoutMs: 60_000,
        plugins: [join(dir, 'listeners.mjs')],
      }),
    );
    const { stdout } = await runInProcess(['proxy', '--config', config, '--headers-timeout', '200']);
    const url = listeningUrl(stdout);
    expect((await fetch(`${url}/blocked`)).status).toBe(403);
    const started = Date.now();
    expect((await fetch(`${url}/slow`)).status).toBe(504);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a usage mistake exits 2 and names the fix', async () => {
    const { code, err } = await runMain(['proxy', '--listen', '127.0.0.1:0']);
    expect(code).toBe(2);
    expect(err).toMatch(/--upstream is required/);
  });

  it('a bad option value exits 2 with the option named', async () => {
    const { code, err } = await runMain([
      'proxy',
      '--listen',
      '127.0.0.1:0',
      '--upstream',
      'ftp://x',
      '--headers-timeout',
      '5',
    ]);
    expect(code).toBe(2);
    expect(err).toMatch(/endpoints\[0\]\.upstream/);
  });

  it('a plugin without a default function export is a coded error', async () => {
    const { code, err } = await runMain([
      'proxy',
      '--listen',
      '127.0.0.1:0',
      '--upstream',
      'http://127.0.0.1:9',
      '--plugin',
      join(dir, 'no-default.mjs'),
    ]);
    expect(code).toBe(1);
    expect(err).toContain('TRAFFIC_ERR_EVENT_PROXY_PLUGIN_INVALID');
  });
});
