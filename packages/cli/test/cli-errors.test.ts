import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTraffic } from './traffic-process.js';

// Every mistake a user can make on the command line ends in one clear line on stderr that says
// what was wrong and what is allowed, and a non-zero exit: 2 for usage, 1 for everything else.
const dir = mkdtempSync(join(tmpdir(), 'traffic-cli-errors-'));

async function traffic(args: string[]): Promise<{ code: number | null; stderr: string; lines: string[] }> {
  const { code, stderr } = await runTraffic(args);
  return { code, stderr, lines: stderr.split('\n').filter((line) => line.trim() !== '') };
}

describe('CLI errors a user can cause', () => {
  it('bad URL: names the flag, the value and the allowed form; exit 2', async () => {
    const result = await traffic(['shadow', '--listen', '127.0.0.1:0', '--master', 'not-a-url']);
    expect(result.code).toBe(2);
    expect(result.lines).toHaveLength(1);
    expect(result.stderr).toContain('"not-a-url"');
    expect(result.stderr).toContain('absolute URL');
  });

  it('port in use: says so and what to do; exit 1', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const { port } = blocker.address() as { port: number };
    try {
      for (const args of [
        ['proxy', '--listen', `127.0.0.1:${port}`, '--upstream', 'http://127.0.0.1:9'],
        ['shadow', '--listen', `127.0.0.1:${port}`, '--master', 'http://127.0.0.1:9'],
        ['chaos', '--local', `127.0.0.1:${port}`, '--distant', '127.0.0.1:9'],
      ]) {
        const result = await traffic(args);
        expect(result.code, args.join(' ')).toBe(1);
        expect(result.lines.filter((line) => line.startsWith('traffic:'))).toHaveLength(1);
        expect(result.stderr).toContain(`address already in use: 127.0.0.1:${port}`);
        expect(result.stderr).toContain('choose another');
      }
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('unreadable config: names the file and why; exit 1', async () => {
    const missing = join(dir, 'missing.json');
    const result = await traffic(['shadow', '--master', 'http://127.0.0.1:9', '--config', missing]);
    expect(result.code).toBe(1);
    expect(result.lines).toHaveLength(1);
    expect(result.stderr).toContain(`cannot read config file ${missing}: no such file`);
    expect(result.stderr).toContain('TRAFFIC_ERR_CONFIG_UNREADABLE');
  });

  it('invalid JSON config: names line and column; exit 1', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{\n  "listen": "127.0.0.1:0",\n  oops\n}\n');
    const result = await traffic(['proxy', '--config', bad]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not valid JSON at line 3, column \d+/);
  });

  it('unknown behaviour: lists the allowed ones; non-zero exit', async () => {
    const result = await traffic([
      'chaos',
      '--local',
      '127.0.0.1:0',
      '--distant',
      '127.0.0.1:9',
      '--behavior',
      '20:explode',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.lines).toHaveLength(1);
    expect(result.stderr).toContain('unknown behavior "explode"');
    expect(result.stderr).toContain('dummy, delay, error');
  });

  it('bad Vaurien INI: names file, line and key; non-zero exit', async () => {
    const ini = join(dir, 'chaos.ini');
    writeFileSync(ini, '[vaurien]\nbehavior = 200:delay\n');
    const result = await traffic(['chaos', '--config', ini]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`${ini}:2`);
    expect(result.stderr).toContain('behavior');
  });

  it('missing middleware module: names it; exit 1', async () => {
    const result = await traffic(['gor', join(dir, 'nope.mjs')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nope.mjs');
    expect(result.stderr).toContain('not found');
  });

  it('unknown subcommand or option: usage error, exit 2', async () => {
    expect((await traffic(['frobnicate'])).code).toBe(2);
    const result = await traffic(['demo', '--requests', 'many']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--requests');
  });
});
