import { gzipSync } from 'node:zlib';
import type { TrafficError } from '@traffic/core';
import { encodeChunked, HttpMessage } from '@traffic/core';
import { describe, expect, it } from 'vitest';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as TrafficError).code;
  }
  return undefined;
}

const REQUEST = 'GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: example.test\r\nX-A: 1\r\nAccept: */*\r\nx-a: 2\r\n\r\n';
const RESPONSE = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello';

describe('HttpMessage view', () => {
  it('exposes the request line, path and query', () => {
    const message = HttpMessage.parse(REQUEST);
    expect(message.kind).toBe('request');
    expect(message.method).toBe('GET');
    expect(message.target).toBe('/a/b?x=1&y=2');
    expect(message.path).toBe('/a/b');
    expect(message.query).toBe('x=1&y=2');
    expect(message.version).toBe('HTTP/1.1');
    expect(HttpMessage.parse('GET /plain HTTP/1.1\r\n\r\n').query).toBe('');
  });

  it('exposes the status line and body of a response', () => {
    const message = HttpMessage.parse(RESPONSE);
    expect(message.kind).toBe('response');
    expect(message.status).toBe(200);
    expect(message.reason).toBe('OK');
    expect(message.body.toString()).toBe('hello');
    expect(message.headBytes.toString()).toBe(RESPONSE.slice(0, -5));
  });

  it('looks headers up case-insensitively, keeping duplicates in order', () => {
    const message = HttpMessage.parse(REQUEST);
    expect(message.header('HOST')).toBe('example.test');
    expect(message.header('x-a')).toBe('1');
    expect(message.headerValues('X-a')).toEqual(['1', '2']);
    expect(message.headerValues('missing')).toEqual([]);
    expect(message.hasHeader('ACCEPT')).toBe(true);
    expect(message.hasHeader('cookie')).toBe(false);
    expect(message.headers.map((field) => field.name)).toEqual(['Host', 'X-A', 'Accept', 'x-a']);
  });

  it('parses lazily: a bad head throws on first access, parse() throws at once', () => {
    const lazy = new HttpMessage(Buffer.from('garbage'));
    expect(lazy.bytes.toString()).toBe('garbage');
    expect(codeOf(() => lazy.method)).toBe('TRAFFIC_ERR_HTTP_TRUNCATED_HEAD');
    expect(codeOf(() => HttpMessage.parse('NOT HTTP\r\n\r\n'))).toBe('TRAFFIC_ERR_HTTP_INVALID_START_LINE');
  });

  it('reads a string as latin1 and round-trips toString()', () => {
    const binary = Buffer.from([0x47, 0x45, 0x54, 0x20, 0x2f, 0x20, ...Buffer.from('HTTP/1.1\r\n\r\n'), 0xff, 0x00]);
    const message = HttpMessage.parse(binary.toString('latin1'));
    expect(message.toBuffer().equals(binary)).toBe(true);
    expect(message.toString()).toBe(binary.toString('latin1'));
  });

  it('encodes a string with characters above U+00FF as UTF-8 instead of truncating them', () => {
    const message = HttpMessage.parse('POST / HTTP/1.1\r\n\r\n€');
    expect(message.body.toString('utf8')).toBe('€');
  });

  it('passes parse options through (obs-fold unfold, allowPartial, kind)', () => {
    expect(HttpMessage.parse('GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n', { obsFold: 'unfold' }).header('x')).toBe('a b');
    expect(HttpMessage.parse('GET / HTTP/1.1\r\nHost: a', { allowPartial: true }).header('host')).toBe('a');
  });
});

describe('HttpMessage bodies', () => {
  it('isChunked looks at the last transfer coding, across repeated fields', () => {
    expect(HttpMessage.parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, CHUNKED\r\n\r\n').isChunked).toBe(true);
    expect(HttpMessage.parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n').isChunked).toBe(false);
    expect(
      HttpMessage.parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n').isChunked,
    ).toBe(true);
    expect(HttpMessage.parse(RESPONSE).isChunked).toBe(false);
  });

  it('decodedBody removes chunked framing; decompressedBody also removes content-encoding', () => {
    const payload = Buffer.from('{"hello":"world"}'.repeat(50));
    const raw = Buffer.concat([
      Buffer.from('HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n'),
      encodeChunked(gzipSync(payload), 100),
    ]);
    const message = HttpMessage.parse(raw);
    expect(message.decodedBody().equals(gzipSync(payload))).toBe(true);
    expect(message.decompressedBody().equals(payload)).toBe(true);
    expect(HttpMessage.parse(RESPONSE).decodedBody().toString()).toBe('hello');
    expect(HttpMessage.parse(RESPONSE).decompressedBody().toString()).toBe('hello');
  });

  it('turns truncated chunks and corrupt gzip into coded errors, and honours maxBytes', () => {
    const truncated = HttpMessage.parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nabc');
    expect(codeOf(() => truncated.decodedBody())).toBe('TRAFFIC_ERR_HTTP_TRUNCATED_CHUNK');
    expect(truncated.decodedBody({ allowPartial: true }).toString()).toBe('abc');
    const corrupt = HttpMessage.parse('HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\nnot gzip at all');
    expect(codeOf(() => corrupt.decompressedBody())).toBe('TRAFFIC_ERR_HTTP_DECODE_FAILED');
    const big = HttpMessage.parse(
      Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n'), gzipSync(Buffer.alloc(5000))]),
    );
    expect(codeOf(() => big.decompressedBody({ maxBytes: 1000 }))).toBe('TRAFFIC_ERR_HTTP_BODY_TOO_LARGE');
  });
});

describe('HttpMessage mutators', () => {
  it('setHeader replaces the first field in place, keeps its name case and removes later duplicates', () => {
    const message = HttpMessage.parse(REQUEST);
    const changed = message.setHeader('x-A', '9');
    expect(changed).not.toBe(message);
    expect(changed.toString()).toBe('GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: example.test\r\nX-A: 9\r\nAccept: */*\r\n\r\n');
    expect(message.toString()).toBe(REQUEST);
  });

  it('setHeader returns this when the single field already has the value', () => {
    const message = HttpMessage.parse(REQUEST);
    expect(message.setHeader('host', 'example.test')).toBe(message);
    // Two fields with the first already right is still a change (the duplicate goes).
    expect(message.setHeader('x-a', '1').headerValues('x-a')).toEqual(['1']);
  });

  it('setHeader appends a missing header before the empty line, with the message newline', () => {
    const lf = HttpMessage.parse('GET / HTTP/1.1\nHost: a\n\nbody');
    expect(lf.setHeader('X-New', 'v').toString()).toBe('GET / HTTP/1.1\nHost: a\nX-New: v\n\nbody');
    const crlf = HttpMessage.parse(RESPONSE);
    expect(crlf.setHeader('X-New', 'v').toString()).toBe(
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nX-New: v\r\n\r\nhello',
    );
  });

  it('appendHeader adds another field even when one exists', () => {
    const message = HttpMessage.parse(RESPONSE).appendHeader('Set-Cookie', 'a=1').appendHeader('Set-Cookie', 'b=2');
    expect(message.headerValues('set-cookie')).toEqual(['a=1', 'b=2']);
    expect(message.body.toString()).toBe('hello');
  });

  it('appendHeader on a partial head ends the cut line first', () => {
    const partial = HttpMessage.parse('GET / HTTP/1.1\r\nHost: a', { allowPartial: true });
    const changed = partial.appendHeader('X', '1');
    expect(changed.toString()).toBe('GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n');
    expect(changed.header('host')).toBe('a');
  });

  it('setBody refuses a partial head (there is no empty line to put the body after)', () => {
    const partial = HttpMessage.parse('POST / HTTP/1.1\r\nHost: a', { allowPartial: true });
    expect(codeOf(() => partial.setBody('x'))).toBe('TRAFFIC_ERR_HTTP_TRUNCATED_HEAD');
  });

  it('removeHeader removes every field of the name, and returns this when there is none', () => {
    const message = HttpMessage.parse(REQUEST);
    expect(message.removeHeader('X-A').toString()).toBe(
      'GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: example.test\r\nAccept: */*\r\n\r\n',
    );
    expect(message.removeHeader('cookie')).toBe(message);
  });

  it('removes an unfolded multi-line field completely', () => {
    const message = HttpMessage.parse('GET / HTTP/1.1\r\nX: a\r\n b\r\nY: 1\r\n\r\n', { obsFold: 'unfold' });
    expect(message.removeHeader('x').toString()).toBe('GET / HTTP/1.1\r\nY: 1\r\n\r\n');
  });

  it('rejects header names that are not tokens and values with CR, LF, NUL or characters above U+00FF', () => {
    const message = HttpMessage.parse(REQUEST);
    for (const [name, value] of [
      ['Bad Name', 'v'],
      ['', 'v'],
      ['X', 'a\r\nInjected: 1'],
      ['X', 'a\u0000'],
      ['X', '€'],
    ] as const) {
      expect(codeOf(() => message.setHeader(name, value))).toBe('TRAFFIC_ERR_HTTP_INVALID_HEADER');
      expect(codeOf(() => message.appendHeader(name, value))).toBe('TRAFFIC_ERR_HTTP_INVALID_HEADER');
    }
    expect(message.setHeader('X', Buffer.from('é').toString('latin1')).header('x')).toBe('Ã©');
  });

  it('setTarget and setMethod rewrite only the request line', () => {
    const message = HttpMessage.parse(REQUEST);
    const moved = message.setTarget('/other?q');
    expect(moved.toString()).toBe(REQUEST.replace('/a/b?x=1&y=2', '/other?q'));
    expect(moved.path).toBe('/other');
    expect(message.setTarget('/a/b?x=1&y=2')).toBe(message);
    expect(message.setMethod('PURGE').toString()).toBe(REQUEST.replace('GET', 'PURGE'));
    expect(message.setMethod('GET')).toBe(message);
  });

  it('rejects invalid targets and methods', () => {
    const message = HttpMessage.parse(REQUEST);
    for (const target of ['', '/a b', '/a\r\nX: 1', '/€']) {
      expect(
        codeOf(() => message.setTarget(target)),
        target,
      ).toBe('TRAFFIC_ERR_HTTP_INVALID_START_LINE');
    }
    for (const method of ['', 'G T', 'GET\r\n']) {
      expect(
        codeOf(() => message.setMethod(method)),
        method,
      ).toBe('TRAFFIC_ERR_HTTP_INVALID_START_LINE');
    }
  });

  it('setStatus keeps or replaces the reason, and returns this when nothing changes', () => {
    const message = HttpMessage.parse(RESPONSE);
    expect(message.setStatus(201).toString()).toBe(RESPONSE.replace('200 OK', '201 OK'));
    expect(message.setStatus(404, 'Not Found').reason).toBe('Not Found');
    expect(message.setStatus(500, '').toString()).toBe(RESPONSE.replace('200 OK', '500'));
    expect(message.setStatus(200)).toBe(message);
    const bare = HttpMessage.parse('HTTP/1.1 204 \r\n\r\n');
    expect(bare.setStatus(204)).toBe(bare);
  });

  it('rejects invalid statuses and reasons, and mutators of the wrong kind', () => {
    const response = HttpMessage.parse(RESPONSE);
    for (const status of [99, 1000, 200.5, Number.NaN]) {
      expect(codeOf(() => response.setStatus(status))).toBe('TRAFFIC_ERR_HTTP_INVALID_START_LINE');
    }
    expect(codeOf(() => response.setStatus(200, 'OK\r\nX: 1'))).toBe('TRAFFIC_ERR_HTTP_INVALID_START_LINE');
    expect(codeOf(() => response.setTarget('/x'))).toBe('TRAFFIC_ERR_HTTP_WRONG_KIND');
    expect(codeOf(() => response.setMethod('GET'))).toBe('TRAFFIC_ERR_HTTP_WRONG_KIND');
    expect(codeOf(() => HttpMessage.parse(REQUEST).setStatus(200))).toBe('TRAFFIC_ERR_HTTP_WRONG_KIND');
  });

  it('setBody fixes Content-Length and keeps every other byte', () => {
    const message = HttpMessage.parse(RESPONSE);
    const changed = message.setBody('hi there');
    expect(changed.toString()).toBe('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n\r\nhi there');
    expect(message.setBody('hello')).toBe(message);
  });

  it('setBody replaces chunked framing with Content-Length', () => {
    const raw = Buffer.concat([
      Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Keep: 1\r\n\r\n'),
      encodeChunked(Buffer.from('old body'), 3),
    ]);
    const changed = HttpMessage.parse(raw).setBody(Buffer.from('new'));
    expect(changed.toString()).toBe('HTTP/1.1 200 OK\r\nX-Keep: 1\r\nContent-Length: 3\r\n\r\nnew');
    expect(changed.isChunked).toBe(false);
    const coded = HttpMessage.parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n');
    expect(coded.setBody('x').toString()).toBe('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx');
  });

  it('setBody collapses duplicate Content-Length fields and adds one when missing', () => {
    const dup = HttpMessage.parse('POST / HTTP/1.1\r\nContent-Length: 2\r\nHost: h\r\ncontent-length: 2\r\n\r\nab');
    expect(dup.setBody('abcd').toString()).toBe('POST / HTTP/1.1\r\nContent-Length: 4\r\nHost: h\r\n\r\nabcd');
    const none = HttpMessage.parse('POST / HTTP/1.1\nHost: h\n\n');
    expect(none.setBody('xyz').toString()).toBe('POST / HTTP/1.1\nHost: h\nContent-Length: 3\n\nxyz');
    expect(none.setBody('')).toBe(none);
  });

  it('mutators copy: the original message and its buffer never change', () => {
    const original = Buffer.from(REQUEST);
    const copy = Buffer.from(original);
    const message = HttpMessage.parse(original);
    message.setHeader('Host', 'b').removeHeader('accept').setTarget('/z').setBody('q');
    expect(original.equals(copy)).toBe(true);
    expect(message.toBuffer()).toBe(original);
  });
});
