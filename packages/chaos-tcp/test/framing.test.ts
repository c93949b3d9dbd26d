import { describe, expect, it } from 'vitest';
import { HttpRequestScanner, HttpResponseScanner } from '../src/protocols/http.js';
import { MemcacheRequestScanner, MemcacheResponseScanner } from '../src/protocols/memcache.js';
import { RespScanner } from '../src/protocols/resp.js';
import type { Expectation, MessageScanner, ResponseScanner } from '../src/protocols/scanner.js';

/** Feed `text` in pieces of `step` bytes; return the message lengths found. */
function frames(scanner: MessageScanner, text: string, step: number, begin?: () => void): number[] {
  const bytes = Buffer.from(text, 'latin1');
  const out: number[] = [];
  let start = 0;
  let started = false;
  for (let offset = 0; offset < bytes.length; offset += step) {
    const chunk = bytes.subarray(offset, offset + step);
    let i = 0;
    while (i < chunk.length) {
      if (!started) {
        begin?.();
        started = true;
      }
      const end = scanner.scan(chunk, i);
      if (end === -1) break;
      out.push(offset + end - start);
      start = offset + end;
      started = false;
      i = end;
    }
  }
  return out;
}

const steps = [1, 3, 7, 1000];

describe('RESP framing', () => {
  it('frames nested arrays, bulk strings holding CRLF, nulls, RESP3 maps and inline commands', () => {
    const messages = [
      '*2\r\n$3\r\nGET\r\n$1\r\nk\r\n',
      '$6\r\na\r\nb\r\n\r\n',
      '*2\r\n*1\r\n:1\r\n$-1\r\n',
      '%1\r\n+key\r\n*0\r\n',
      '-ERR nope\r\n',
      'PING\r\n',
      '*-1\r\n',
    ];
    for (const step of steps) {
      expect(frames(new RespScanner(), messages.join(''), step)).toEqual(messages.map((m) => m.length));
    }
  });
});

describe('memcache framing', () => {
  it('frames storage commands with data blocks, and knows what answer each expects', () => {
    const requests = ['set k 0 0 5\r\na\r\nbc\r\n', 'get k\r\n', 'delete k noreply\r\n', 'stats\r\n'];
    for (const step of steps) {
      const scanner = new MemcacheRequestScanner();
      const expectations: Expectation[] = [];
      const bytes = Buffer.from(requests.join(''));
      let i = 0;
      const lengths: number[] = [];
      let start = 0;
      for (let offset = 0; offset < bytes.length; offset += step) {
        const chunk = bytes.subarray(offset, offset + step);
        i = 0;
        while (i < chunk.length) {
          const end = scanner.scan(chunk, i);
          if (end === -1) break;
          lengths.push(offset + end - start);
          start = offset + end;
          expectations.push(scanner.expectation());
          i = end;
        }
      }
      expect(lengths).toEqual(requests.map((r) => r.length));
      expect(expectations).toEqual([{ kind: 'line' }, { kind: 'values' }, { none: true }, { kind: 'end' }]);
    }
  });

  it('frames VALUE blocks up to END, stats up to END, and single lines', () => {
    const cases: [string, string[]][] = [
      ['values', ['VALUE a 0 4\r\nEND\r\nVALUE b 1 2\r\nxy\r\nEND\r\n', 'END\r\n', 'SERVER_ERROR out of memory\r\n']],
      ['end', ['STAT pid 1\r\nSTAT uptime 2\r\nEND\r\n']],
      ['line', ['STORED\r\n', 'VA 3 f\r\nabc\r\n', 'NOT_FOUND\r\n']],
    ];
    for (const [kind, messages] of cases) {
      for (const step of steps) {
        const scanner: ResponseScanner = new MemcacheResponseScanner();
        expect(frames(scanner, messages.join(''), step, () => scanner.begin({ kind }))).toEqual(
          messages.map((m) => m.length),
        );
      }
    }
  });
});

describe('HTTP framing', () => {
  it('frames requests by Content-Length and chunked coding, and notes HEAD', () => {
    const messages = [
      'GET / HTTP/1.1\r\nHost: a\r\n\r\n',
      'POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello',
      'POST /y HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\nTrailer: t\r\n\r\n',
      'HEAD /z HTTP/1.1\r\n\r\n',
    ];
    for (const step of steps) {
      expect(frames(new HttpRequestScanner(), messages.join(''), step)).toEqual(messages.map((m) => m.length));
    }
    const scanner = new HttpRequestScanner();
    scanner.scan(Buffer.from('HEAD / HTTP/1.1\r\n\r\n'), 0);
    expect(scanner.expectation()).toEqual({ head: true });
  });

  it('frames responses: lengths, chunked, no body for HEAD/204/304, 100 Continue as interim', () => {
    const scanner = new HttpResponseScanner();
    const run = (text: string, expect_: Expectation = {}) => {
      scanner.begin(expect_);
      return scanner.scan(Buffer.from(text), 0);
    };
    expect(run('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA')).toBe(40);
    expect(run('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n', { head: true })).toBe(38);
    expect(run('HTTP/1.1 204 No Content\r\n\r\n')).toBe(27);
    expect(run('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n')).toBe(59);
    expect(run('HTTP/1.1 100 Continue\r\n\r\n')).toBe(25);
    expect(scanner.interim).toBe(true);
    // No length, not chunked: the body runs to the close.
    expect(run('HTTP/1.0 200 OK\r\n\r\nbody...')).toBe(-1);
    expect(scanner.untilClose).toBe(true);
  });

  it('gives up (pass-through) on an upgrade or a head over 64 KiB instead of guessing', () => {
    const upgrade = new HttpRequestScanner();
    upgrade.scan(Buffer.from('GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'), 0);
    expect(upgrade.broken).toBe(true);
    const huge = new HttpRequestScanner();
    expect(huge.scan(Buffer.from(`GET / HTTP/1.1\r\nX: ${'a'.repeat(70_000)}\r\n\r\n`), 0)).toBe(-1);
    expect(huge.broken).toBe(true);
  });
});
