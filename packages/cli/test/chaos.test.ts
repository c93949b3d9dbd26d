import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_BEHAVIORS } from '@traffic/chaos-tcp';
import { startTcpEchoServer, type TestTcpServer } from '@traffic/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBehaviorFlags } from '../src/commands/chaos-flags.js';
import { runMain } from './capture-io.js';
import { startTraffic } from './traffic-process.js';

const dir = mkdtempSync(join(tmpdir(), 'chaos-cli-'));
let echo: TestTcpServer;
beforeAll(async () => {
  echo = await startTcpEchoServer();
});
afterAll(async () => {
  await echo.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = runMain;

/** Start the built binary; resolves once it printed its listening line(s). */
async function start(args: string[], lines = 1) {
  const traffic = startTraffic(['chaos', ...args]);
  await traffic.waitForStdout(new RegExp(`^(?:[^\\n]*\\n){${lines}}`), 10_000);
  return { child: traffic.child, out: traffic.stdout(), stderr: traffic.stderr };
}

function echoThrough(port: number, text: string): Promise<{ reply: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect({ port, host: '127.0.0.1' }, () => socket.write(text));
    let reply = '';
    socket.on('data', (chunk) => {
      reply += chunk;
      if (reply.length >= text.length) {
        socket.destroy();
        resolve({ reply, ms: Date.now() - started });
      }
    });
    socket.on('error', reject);
  });
}

describe('traffic chaos flags', () => {
  it('parses --behavior-<name>-<option> and --handlers.<name>.<option>, with = or a separate value', () => {
    expect(
      parseBehaviorFlags(
        [
          '--behavior-delay-sleep',
          '2',
          '--handlers.error.warmup=3',
          '--behavior-transient-stop-count',
          '4',
          '--behavior-abort-before',
        ],
        BUILTIN_BEHAVIORS,
      ),
    ).toEqual({
      delay: { sleep: '2' },
      error: { warmup: '3' },
      transient: { stop_count: '4' },
      abort: { before: 'true' },
    });
    expect(() => parseBehaviorFlags(['--behavior-boom-x', '1'], BUILTIN_BEHAVIORS)).toThrow(
      /unknown behavior in --behavior-boom-x/,
    );
    expect(() => parseBehaviorFlags(['--handlers.delay.nap', '1'], BUILTIN_BEHAVIORS)).toThrow(
      /no option "nap".*allowed: sleep, before/,
    );
    expect(() => parseBehaviorFlags(['--colour', 'red'], BUILTIN_BEHAVIORS)).toThrow(/unknown option --colour/);
  });

  it('rejects bad flags and bad INI files with a clear message and a non-zero exit', async () => {
    const unknown = await run(['chaos', '--distant', '127.0.0.1:1', '--handlers.boom.sleep', '1']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown behavior "boom" in --handlers\.boom\.sleep \(allowed: dummy, delay/);
    const weights = await run(['chaos', '--distant', '127.0.0.1:1', '--behavior', '80:delay,30:error']);
    expect(weights.code).toBe(1);
    expect(weights.err).toMatch(/may not exceed 100 \[TRAFFIC_ERR_CHAOS_INVALID_BEHAVIOR\]/);
    const value = await run(['chaos', '--distant', '127.0.0.1:1', '--behavior-delay-sleep', 'soon']);
    expect(value.err).toMatch(/option sleep is "soon"/);
    expect(value.code).not.toBe(0);
    const nothing = await run(['chaos']);
    expect(nothing.code).toBe(2);
    expect(nothing.err).toMatch(/give --distant/);
    const ini = join(dir, 'bad.ini');
    writeFileSync(ini, '[vaurien]\ndistant = 127.0.0.1:1\nprotocol = smtp\n');
    const bad = await run(['chaos', '--config', ini]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain(`${ini}:3 [vaurien] protocol: protocol "smtp" (allowed: tcp, http, redis, memcache)`);
  });

  it('the built binary proxies with a delay mix, then exits 0 on SIGTERM', async () => {
    const { child, out } = await start([
      '--local',
      '127.0.0.1:0',
      '--distant',
      `127.0.0.1:${echo.port}`,
      '--behavior',
      '100:delay',
      '--behavior-delay-sleep',
      '0.1',
      '--seed',
      '42',
    ]);
    try {
      expect(out).toMatch(/behavior 100:delay, seed 42/);
      const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(out)![1]);
      const { reply, ms } = await echoThrough(port, 'through the chaos');
      expect(reply).toBe('through the chaos');
      expect(ms).toBeGreaterThanOrEqual(95);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('reads a Vaurien INI and serves the Toxiproxy API for the same proxy', async () => {
    const ini = join(dir, 'chaos.ini');
    writeFileSync(
      ini,
      `[vaurien]\nlocal = 127.0.0.1:0\ndistant = 127.0.0.1:${echo.port}\nbehavior = 0:error\nseed = 9\n\n[handler:delay]\nsleep = 0.2\n`,
    );
    const { child, out } = await start(['--config', ini, '--api', '127.0.0.1:0'], 2);
    try {
      const api = /API on (http:\/\/[^\s]+)/.exec(out)![1]!;
      const proxies = (await fetch(`${api}/proxies`).then((res) => res.json())) as Record<string, { listen: string }>;
      expect(Object.keys(proxies)).toEqual(['chaos']);
      const port = Number(proxies.chaos!.listen.split(':').pop());
      expect((await echoThrough(port, 'ini')).reply).toBe('ini');
      const res = await fetch(`${api}/proxies/chaos/toxics`, {
        method: 'POST',
        body: JSON.stringify({ type: 'latency', attributes: { latency: 100 } }),
      });
      expect(res.status).toBe(200);
      expect((await echoThrough(port, 'slow')).ms).toBeGreaterThanOrEqual(95);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });
});
