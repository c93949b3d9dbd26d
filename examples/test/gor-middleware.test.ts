import { describe, expect, it } from 'vitest';
import type { ExampleRun } from './run-example.js';
import { runExample } from './run-example.js';

// Each example runs as `node examples/gor-middleware/<name>.mjs` (what gor --middleware starts),
// fed crafted hex lines on stdin; '@traffic/gor-middleware' resolves to the built dist.
const dir = new URL('../gor-middleware/', import.meta.url).pathname;

function hexLine(header: string, http: string): string {
  return `${Buffer.from(`${header}\n${http}`, 'latin1').toString('hex')}\n`;
}
function decode(out: string): string[] {
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => Buffer.from(l, 'hex').toString('latin1'));
}

function runGorExample(name: string, input: string): Promise<ExampleRun> {
  return runExample(`${dir}${name}`, { input, timeoutMs: 15_000 });
}

const resp = (status: string, extra = '') => `HTTP/1.1 ${status}\r\n${extra}Content-Length: 0\r\n\r\n`;

describe('examples/gor-middleware', () => {
  it('header-rewriter.mjs adds a header and strips Authorization from requests only', async () => {
    const input =
      hexLine('1 a 1 0', 'GET /x HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer secret\r\n\r\n') +
      hexLine('2 a 1 9', resp('200 OK'));
    const { code, stdout } = await runGorExample('header-rewriter.mjs', input);
    expect(code).toBe(0);
    expect(decode(stdout)).toEqual([
      '1 a 1 0\nGET /x HTTP/1.1\r\nHost: h\r\nX-Replayed-By: traffic\r\n\r\n',
      `2 a 1 9\n${resp('200 OK')}`,
    ]);
  });

  it('filter.mjs forwards GETs and drops other methods and health checks', async () => {
    const input = [
      hexLine('1 a 1 0', 'GET /items HTTP/1.1\r\n\r\n'),
      hexLine('1 b 1 0', 'POST /items HTTP/1.1\r\nContent-Length: 0\r\n\r\n'),
      hexLine('1 c 1 0', 'GET /healthz HTTP/1.1\r\n\r\n'),
      hexLine('1 d 1 0', 'GET /other HTTP/1.1\r\n\r\n'),
    ].join('');
    const { code, stdout, stderr } = await runGorExample('filter.mjs', input);
    expect(code).toBe(0);
    expect(decode(stdout).map((l) => l.split(' ')[1])).toEqual(['a', 'd']);
    expect(stderr).toContain('forwarded 2, dropped 2');
  });

  it('status-compare.mjs reports original-vs-replay status mismatches', async () => {
    const input = [
      hexLine('1 r1 1 0', 'GET /same HTTP/1.1\r\n\r\n'),
      hexLine('1 r2 1 0', 'GET /broken HTTP/1.1\r\n\r\n'),
      hexLine('2 r1 1 5', resp('200 OK')),
      hexLine('2 r2 1 5', resp('200 OK')),
      hexLine('3 r2 1 7', resp('500 Internal Server Error')),
      hexLine('3 r1 1 7', resp('200 OK')),
    ].join('');
    const { code, stdout, stderr } = await runGorExample('status-compare.mjs', input);
    expect(code).toBe(0);
    expect(decode(stdout)).toHaveLength(6);
    expect(stderr).toMatch(/status mismatch.*path=\/broken.*expected=200.*got=500/);
    expect(stderr).toContain('2 compared, 1 mismatched');
  });

  it('token-rewriter.mjs maps original tokens to replayed ones with searchResponses', async () => {
    const input = [
      hexLine('1 login 1 0', 'POST /login HTTP/1.1\r\nContent-Length: 0\r\n\r\n'),
      hexLine('2 login 1 5', resp('200 OK', 'X-Set-Token: orig123\r\n')),
      hexLine('3 login 1 6', resp('200 OK', 'X-Set-Token: repl456\r\n')),
      hexLine('1 next 2 0', 'GET /me HTTP/1.1\r\nAuth-Token: orig123\r\n\r\n'),
      hexLine('1 other 3 0', 'GET /me HTTP/1.1\r\nAuth-Token: unknown\r\n\r\n'),
    ].join('');
    const { code, stdout } = await runGorExample('token-rewriter.mjs', input);
    expect(code).toBe(0);
    const out = decode(stdout);
    expect(out[3]).toBe('1 next 2 0\nGET /me HTTP/1.1\r\nAuth-Token: repl456\r\n\r\n');
    expect(out[4]).toBe('1 other 3 0\nGET /me HTTP/1.1\r\nAuth-Token: unknown\r\n\r\n');
  });
});
