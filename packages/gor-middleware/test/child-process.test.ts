import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { waitUntil } from '@traffic/core/testing';
import { describe, expect, it } from 'vitest';
import { GET, line, OK } from './support.js';

// Real middleware processes fed through pipes; they import the built dist of @traffic/gor-middleware.
const SERVE = new URL('./fixtures/serve.mjs', import.meta.url).pathname;

interface Child {
  child: ChildProcessWithoutNullStreams;
  stdout: () => Buffer;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(mode: string, options: object = {}, nodeFlags: string[] = []): Child {
  const child = spawn(process.execPath, [...nodeFlags, SERVE, mode, JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`middleware did not exit in 30 s; stderr: ${err.slice(-2000)}`));
    }, 30_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
  return { child, stdout: () => Buffer.concat(out), stderr: () => err, exit };
}

function stats(stderr: string): Record<string, unknown> {
  const match = /STATS (.*)\n/.exec(stderr);
  if (!match) throw new Error(`no STATS line in stderr: ${stderr.slice(-1000)}`);
  return JSON.parse(match[1] as string) as Record<string, unknown>;
}

describe('middleware as a child process', () => {
  it('survives malformed lines, reports their line numbers, passes a 20 MB line and exits 0 at EOF', async () => {
    const mw = start('header');
    const body = Buffer.alloc(20 * 1024 * 1024, 0x5a);
    const big = line(
      '1 big 1 0',
      Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nContent-Length: ${body.length}\r\n\r\n`), body]),
    );
    mw.child.stdin.write(line('1 a 1 0', GET));
    mw.child.stdin.write('this is not hex\n');
    mw.child.stdin.write(big);
    mw.child.stdin.write(line('2 a 1 5', OK));
    mw.child.stdin.write('0a0b0\n');
    mw.child.stdin.end(line('1 b 1 0', GET));
    const { code } = await mw.exit;
    expect(code).toBe(0);
    const lines = mw.stdout().toString('latin1').trim().split('\n');
    expect(lines).toHaveLength(4);
    const decoded = lines.map((l) => Buffer.from(l, 'hex'));
    expect(decoded[1]?.length).toBe(
      `1 big 1 0\nPOST / HTTP/1.1\r\nContent-Length: ${body.length}\r\nX-Child: 1\r\n\r\n`.length + body.length,
    );
    expect(decoded[2]?.toString('latin1')).toBe(`2 a 1 5\n${OK}`);
    expect(decoded[3]?.toString('latin1')).toContain('X-Child: 1');
    const reports = mw
      .stderr()
      .split('\n')
      .filter((l) => l.includes('TRAFFIC_ERR_GOR_MALFORMED_LINE'))
      .map((l) => (JSON.parse(l) as { line: number }).line);
    expect(reports).toEqual([2, 5]);
    expect(stats(mw.stderr())).toMatchObject({ lines: 6, malformed: 2 });
  }, 60_000);

  it('gives the same output without WebAssembly (node --jitless) as with it', async () => {
    const input = [
      line('1 a 1 0', `GET /${'x'.repeat(500)} HTTP/1.1\r\nHost: a\r\n\r\n`),
      'not hex\n',
      line('2 a 1 5', OK).toUpperCase().replace('N', '\n'),
      `${line('1 b 1 0', GET).slice(0, -1)}\r\n`,
      line('1 c 1 0', Buffer.alloc(300_000, 0xe6)),
    ].join('');
    const outputs: string[] = [];
    for (const flags of [[], ['--jitless']]) {
      const mw = start('header', {}, flags);
      mw.child.stdin.end(input);
      expect((await mw.exit).code).toBe(0);
      expect(stats(mw.stderr())).toMatchObject({ lines: 5, malformed: 1 });
      outputs.push(mw.stdout().toString('latin1'));
    }
    expect(outputs[0]?.split('\n')).toHaveLength(5);
    expect(outputs[1]).toBe(outputs[0]);
  });

  it('keeps every line when stdout is not read for a while (bounded buffer, no drop, no deadlock)', async () => {
    const mw = start('header', { maxBufferedBytes: 64 * 1024 });
    mw.child.stdout.pause();
    const count = 20_000;
    let input = '';
    for (let i = 0; i < count; i++) input += line(`1 id${i} ${i} 0`, GET);
    mw.child.stdin.end(input);
    await new Promise((resolve) => setTimeout(resolve, 300));
    mw.child.stdout.resume();
    const { code } = await mw.exit;
    expect(code).toBe(0);
    const lines = mw.stdout().toString('latin1').trim().split('\n');
    expect(lines).toHaveLength(count);
    expect(Buffer.from(lines[count - 1] as string, 'hex').toString('latin1')).toMatch(/^1 id19999 19999 0\n/);
  });

  it('flushes what it read and exits 0 on SIGTERM while stdin is still open', async () => {
    const mw = start('slow');
    for (let i = 0; i < 5; i++) mw.child.stdin.write(line(`1 s${i} ${i} 0`, GET));
    // Once the first line is out, run() is serving (and its signal handlers are installed).
    await waitUntil(() => mw.stdout().length > 0, 'first output line', 15_000);
    mw.child.kill('SIGTERM');
    const { code } = await mw.exit;
    expect(code).toBe(0);
    expect(mw.stdout().toString('latin1').trim().split('\n')).toHaveLength(5);
  });

  it('runs handlers on worker threads, keeping keyed handlers with their id', async () => {
    const mw = start('passthrough', { workers: 2, workerModule: './worker-handlers.mjs' });
    let input = '';
    for (let i = 0; i < 20; i++) input += line(`1 w${i} ${i} 0`, GET);
    for (let i = 0; i < 20; i++) input += line(`2 w${i} ${i} 1`, OK);
    mw.child.stdin.end(input);
    const { code } = await mw.exit;
    expect(code).toBe(0);
    const out = mw
      .stdout()
      .toString('latin1')
      .trim()
      .split('\n')
      .map((l) => Buffer.from(l, 'hex').toString('latin1'));
    expect(out).toHaveLength(40);
    const workerOf = new Map<string, string>();
    for (const message of out.filter((m) => m.startsWith('1 '))) {
      workerOf.set(message.split(' ')[1] as string, /X-Worker: (\d+)/.exec(message)?.[1] as string);
    }
    expect(new Set(workerOf.values()).size).toBe(2);
    for (const message of out.filter((m) => m.startsWith('2 '))) {
      expect(/X-Same-Worker: (\d+)/.exec(message)?.[1]).toBe(workerOf.get(message.split(' ')[1] as string));
    }
  });
});
