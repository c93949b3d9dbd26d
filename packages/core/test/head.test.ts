import type { TrafficError } from '@traffic/core';
import { parseHead } from '@traffic/core';
import { describe, expect, it } from 'vitest';

const bytes = (text: string) => Buffer.from(text, 'latin1');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as TrafficError).code;
  }
  return undefined;
}

describe('parseHead', () => {
  it('parses a request line, headers and the offsets mutators rely on', () => {
    const raw = 'POST /a?b=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc';
    const head = parseHead(bytes(raw));
    expect(head).toMatchObject({ kind: 'request', method: 'POST', target: '/a?b=1', version: 'HTTP/1.1' });
    expect(head.headers.map((field) => [field.name, field.value])).toEqual([
      ['Host', 'x'],
      ['Content-Length', '3'],
    ]);
    expect(raw.slice(head.headers[0]?.start, head.headers[0]?.end)).toBe('Host: x\r\n');
    expect(head.startLineEnd).toBe('POST /a?b=1 HTTP/1.1\r\n'.length);
    expect(raw.slice(head.headersEnd, head.bodyStart)).toBe('\r\n');
    expect(raw.slice(head.bodyStart)).toBe('abc');
    expect(head.newline).toBe('\r\n');
    expect(head.complete).toBe(true);
  });

  it('parses a status line with a reason, without a reason, and with an empty reason', () => {
    expect(parseHead(bytes('HTTP/1.1 404 Not Found\r\n\r\n'))).toMatchObject({
      kind: 'response',
      status: 404,
      reason: 'Not Found',
      version: 'HTTP/1.1',
    });
    expect(parseHead(bytes('HTTP/1.1 204\r\n\r\n'))).toMatchObject({ status: 204, reason: '' });
    expect(parseHead(bytes('HTTP/1.0 200 \r\n\r\n'))).toMatchObject({ status: 200, reason: '', version: 'HTTP/1.0' });
  });

  it('accepts bare-LF line ends and remembers them as the newline to write', () => {
    const head = parseHead(bytes('GET / HTTP/1.1\nHost: a\nX: 1\n\nbody'));
    expect(head.newline).toBe('\n');
    expect(head.headers.map((field) => field.value)).toEqual(['a', '1']);
    expect(head.bodyStart).toBe('GET / HTTP/1.1\nHost: a\nX: 1\n\n'.length);
  });

  it('skips empty lines before the start line (RFC 9112 §2.2)', () => {
    const head = parseHead(bytes('\r\n\nGET / HTTP/1.1\r\n\r\n'));
    expect(head.startLineStart).toBe(3);
    expect(head.method).toBe('GET');
  });

  it('keeps duplicate headers in order with their case and trims optional whitespace', () => {
    const head = parseHead(
      bytes('GET / HTTP/1.1\r\nSet-Cookie: a=1\r\nx-y:\t v \t\r\nset-cookie: b=2\r\nEmpty:\r\n\r\n'),
    );
    expect(head.headers.map((field) => [field.name, field.value])).toEqual([
      ['Set-Cookie', 'a=1'],
      ['x-y', 'v'],
      ['set-cookie', 'b=2'],
      ['Empty', ''],
    ]);
  });

  it('rejects obs-fold by default with a coded error naming the offset', () => {
    const raw = bytes('GET / HTTP/1.1\r\nX-Long: a\r\n  b\r\n\r\n');
    expect(() => parseHead(raw)).toThrow(expect.objectContaining({ code: 'TRAFFIC_ERR_HTTP_OBS_FOLD' }));
    try {
      parseHead(raw);
    } catch (error) {
      expect((error as TrafficError).details).toEqual({ offset: 'GET / HTTP/1.1\r\nX-Long: a\r\n'.length });
    }
  });

  it('unfolds obs-fold on request, joining lines with one space and spanning the field to the last line', () => {
    const raw = 'GET / HTTP/1.1\r\nX-Long: a\r\n  b\r\n\tc\r\nNext: n\r\n\r\n';
    const head = parseHead(bytes(raw), { obsFold: 'unfold' });
    expect(head.headers.map((field) => [field.name, field.value])).toEqual([
      ['X-Long', 'a b c'],
      ['Next', 'n'],
    ]);
    expect(raw.slice(head.headers[0]?.start, head.headers[0]?.end)).toBe('X-Long: a\r\n  b\r\n\tc\r\n');
  });

  it('rejects a folded line before any header even when unfolding', () => {
    expect(codeOf(() => parseHead(bytes('GET / HTTP/1.1\r\n x\r\n\r\n'), { obsFold: 'unfold' }))).toBe(
      'TRAFFIC_ERR_HTTP_OBS_FOLD',
    );
  });

  it('reports truncated heads as TRAFFIC_ERR_HTTP_TRUNCATED_HEAD', () => {
    for (const raw of [
      '',
      'GET / HT',
      'GET / HTTP/1.1\r\nHost: x\r\n',
      'GET / HTTP/1.1\r\nHost: x',
      'HTTP/1.1 200 OK\r\n',
    ]) {
      expect(codeOf(() => parseHead(bytes(raw)))).toBe('TRAFFIC_ERR_HTTP_TRUNCATED_HEAD');
    }
  });

  it('accepts a truncated head with allowPartial and says it is incomplete', () => {
    const head = parseHead(bytes('GET /x HTTP/1.1\r\nHost: a\r\nX-Cut: ab'), { allowPartial: true });
    expect(head.complete).toBe(false);
    expect(head.headers.map((field) => [field.name, field.value])).toEqual([
      ['Host', 'a'],
      ['X-Cut', 'ab'],
    ]);
    expect(head.bodyStart).toBe(head.headersEnd);
    const onlyStart = parseHead(bytes('GET /y HTTP/1.1'), { allowPartial: true });
    expect(onlyStart).toMatchObject({ method: 'GET', target: '/y', complete: false, headers: [] });
  });

  it('rejects malformed request lines', () => {
    for (const line of [
      'GET /a',
      'GET  /a HTTP/1.1',
      'GET /a b HTTP/1.1',
      'G(T /a HTTP/1.1',
      ' GET /a HTTP/1.1',
      'GET /a HTTP/11',
      'GET /a http/1.1',
      '\u0000 / HTTP/1.1',
    ]) {
      expect(
        codeOf(() => parseHead(bytes(`${line}\r\n\r\n`))),
        line,
      ).toBe('TRAFFIC_ERR_HTTP_INVALID_START_LINE');
    }
  });

  it('rejects malformed status lines', () => {
    for (const line of ['HTTP/1.1', 'HTTP/1.1 20 OK', 'HTTP/1.1 2000 OK', 'HTTP/1.1 abc OK', 'HTTP/x 200 OK']) {
      expect(
        codeOf(() => parseHead(bytes(`${line}\r\n\r\n`))),
        line,
      ).toBe('TRAFFIC_ERR_HTTP_INVALID_START_LINE');
    }
  });

  it('rejects invalid header lines: no colon, non-token name, space before colon, NUL or CR in value', () => {
    for (const line of ['NoColon', ': empty-name', 'Bad Name: x', 'Host : x', 'X: a\u0000b', 'X: a\rb']) {
      expect(
        codeOf(() => parseHead(bytes(`GET / HTTP/1.1\r\n${line}\r\n\r\n`))),
        line,
      ).toBe('TRAFFIC_ERR_HTTP_INVALID_HEADER');
    }
  });

  it('rejects control characters in the request target and reason phrase (bare CR, NUL, tab in target)', () => {
    for (const line of [
      'GET /a\rb HTTP/1.1',
      'GET /a\u0000 HTTP/1.1',
      'GET /a\tb HTTP/1.1',
      'HTTP/1.1 200 O\rK',
      'HTTP/1.1 200 \u0000',
    ]) {
      expect(
        codeOf(() => parseHead(bytes(`${line}\r\n\r\n`))),
        JSON.stringify(line),
      ).toBe('TRAFFIC_ERR_HTTP_INVALID_START_LINE');
    }
    expect(parseHead(bytes('HTTP/1.1 200 tab\there\r\n\r\n')).reason).toBe('tab\there');
  });

  it('reports the offset of a bare CR or NUL inside a header value', () => {
    const raw = 'GET / HTTP/1.1\r\nA: ok\r\nB: x\ry\r\n\r\n';
    try {
      parseHead(bytes(raw));
      expect.unreachable();
    } catch (error) {
      expect((error as TrafficError).code).toBe('TRAFFIC_ERR_HTTP_INVALID_HEADER');
      expect((error as TrafficError).details).toEqual({ offset: raw.indexOf('x\ry') + 1 });
    }
    expect(codeOf(() => parseHead(bytes('GET / HTTP/1.1\r\nA: x\r\n \u0000\r\n\r\n'), { obsFold: 'unfold' }))).toBe(
      'TRAFFIC_ERR_HTTP_INVALID_HEADER',
    );
  });

  it('finds the end of heads larger than the first decode window, with big bodies after them', () => {
    const many = Array.from({ length: 400 }, (_, i) => `X-Header-${i}: ${'v'.repeat(40)}`);
    for (const nl of ['\r\n', '\n']) {
      const head = `POST /big HTTP/1.1${nl}${many.join(nl)}${nl}${nl}`;
      const body = Buffer.alloc(200_000, 0x0a);
      const parsed = parseHead(Buffer.concat([bytes(head), body]));
      expect(parsed.headers).toHaveLength(400);
      expect(parsed.bodyStart).toBe(head.length);
      expect(parsed.headers[399]?.value).toBe('v'.repeat(40));
    }
    const cut = bytes(`GET / HTTP/1.1\r\n${many.join('\r\n')}`);
    expect(codeOf(() => parseHead(cut))).toBe('TRAFFIC_ERR_HTTP_TRUNCATED_HEAD');
    expect(parseHead(cut, { allowPartial: true }).headers).toHaveLength(400);
  });

  it('with allowPartial accepts a capture cut between CR and LF', () => {
    const head = parseHead(bytes('GET / HTTP/1.1\r\nHost: a\r'), { allowPartial: true });
    expect(head.headers.map((field) => field.value)).toEqual(['a']);
  });

  it('honours an explicit kind', () => {
    expect(codeOf(() => parseHead(bytes('HTTP/1.1 200 OK\r\n\r\n'), { kind: 'request' }))).toBe(
      'TRAFFIC_ERR_HTTP_INVALID_START_LINE',
    );
    expect(parseHead(bytes('GET / HTTP/1.1\r\n\r\n'), { kind: 'auto' }).kind).toBe('request');
    expect(codeOf(() => parseHead(bytes('GET / HTTP/1.1\r\n\r\n'), { kind: 'response' }))).toBe(
      'TRAFFIC_ERR_HTTP_INVALID_START_LINE',
    );
  });

  it('keeps obs-text (bytes 0x80-0xff) in values as latin1 characters', () => {
    const head = parseHead(
      Buffer.concat([bytes('GET / HTTP/1.1\r\nX: '), Buffer.from('é', 'utf8'), bytes('\r\n\r\n')]),
    );
    expect(Buffer.from(head.headers[0]?.value ?? '', 'latin1').toString('utf8')).toBe('é');
  });
});
