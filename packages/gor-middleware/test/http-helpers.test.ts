import { encodeChunked, encodeContentEncoding } from '@traffic/core';
import { describe, expect, it } from 'vitest';
import * as h from '../src/http-helpers.js';

const b = (text: string) => Buffer.from(text, 'latin1');
const s = (buf: Buffer) => buf.toString('latin1');
const REQ = b(
  'GET /search?q=a%20b&qq=2&x=1 HTTP/1.1\r\nHost: example.com\r\nCookie: a=1; ab=2;c=3\r\nContent-Length: 0\r\n\r\n',
);

describe('request line helpers', () => {
  it('read method and path, and set the path', () => {
    expect(h.httpMethod(REQ)).toBe('GET');
    expect(h.httpPath(REQ)).toBe('/search?q=a%20b&qq=2&x=1');
    expect(s(h.setHttpPath(REQ, '/new'))).toMatch(/^GET \/new HTTP\/1.1\r\nHost: example.com\r\n/);
    expect(h.httpMethod(b('HTTP/1.1 200 OK\r\n\r\n'))).toBe('');
    expect(h.httpPath(b('not http at all'))).toBe('');
  });

  it('query parameters: exact names, percent-decoding, encoding on set, no change when equal', () => {
    expect(h.httpPathParam(REQ, 'q')).toBe('a b');
    expect(h.httpPathParam(REQ, 'qq')).toBe('2');
    expect(h.httpPathParam(REQ, 'Q')).toBeUndefined();
    expect(h.httpPathParam(b('GET /?a=%ZZ%41&b=x+y&flag HTTP/1.1\r\n\r\n'), 'a')).toBe('%ZZA');
    expect(h.httpPathParam(b('GET /?a=%ZZ&b=x+y&flag HTTP/1.1\r\n\r\n'), 'b')).toBe('x y');
    expect(h.httpPathParam(b('GET /?flag HTTP/1.1\r\n\r\n'), 'flag')).toBe('');
    expect(h.httpPath(h.setHttpPathParam(REQ, 'q', 'c&d=e'))).toBe('/search?q=c%26d%3De&qq=2&x=1');
    expect(h.httpPath(h.setHttpPathParam(REQ, 'new', 'ü'))).toBe('/search?q=a%20b&qq=2&x=1&new=%C3%BC');
    expect(h.httpPath(h.setHttpPathParam(b('GET /p HTTP/1.1\r\n\r\n'), 'k', 'v'))).toBe('/p?k=v');
    expect(h.setHttpPathParam(REQ, 'qq', '2')).toBe(REQ);
  });
});

describe('status helpers', () => {
  it('read the status as a string, also without a reason phrase and with bare LF', () => {
    expect(h.httpStatus(b('HTTP/1.1 404 Not Found\r\n\r\n'))).toBe('404');
    expect(h.httpStatus(b('HTTP/1.1 204\r\n\r\n'))).toBe('204');
    expect(h.httpStatus(b('HTTP/1.1 200 OK\nServer: x\n\n'))).toBe('200');
    expect(h.httpStatus(REQ)).toBe('');
  });

  it('set the status: a standard reason follows, a custom one stays', () => {
    expect(s(h.setHttpStatus(b('HTTP/1.1 200 OK\r\n\r\n'), 503))).toBe('HTTP/1.1 503 Service Unavailable\r\n\r\n');
    expect(s(h.setHttpStatus(b('HTTP/1.1 200 Fine\r\n\r\n'), '404'))).toBe('HTTP/1.1 404 Fine\r\n\r\n');
    expect(s(h.setHttpStatus(b('HTTP/1.1 200\r\n\r\n'), 201))).toBe('HTTP/1.1 201\r\n\r\n');
  });
});

describe('header helpers', () => {
  const GO = b(
    'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Request-Id: 7\r\nX-Request-Id: 8\r\n\r\nX-Body-Header: not a header',
  );

  it('look up case-insensitively, only inside the head, with positions', () => {
    const match = h.httpHeader(GO, 'x-request-id');
    expect(match).toMatchObject({ name: 'X-Request-Id', value: '7' });
    expect(String(match)).toBe('7');
    expect(s(GO.subarray(match?.valueStart, (match?.end ?? 0) - 2))).toBe('7');
    expect(h.httpHeader(GO, 'X-Body-Header')).toBeUndefined();
    expect(h.httpHeader(b('GET / HTTP/1.1\nHost: lf\n\n'), 'host')?.value).toBe('lf');
    expect(h.httpHeaders(GO)).toEqual({ 'Content-Type': 'text/plain', 'X-Request-Id': '7, 8' });
  });

  it('set keeps the first field in place, drops duplicates, adds when absent, changes nothing when equal', () => {
    expect(s(h.setHttpHeader(GO, 'x-request-id', '9'))).toBe(
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Request-Id: 9\r\n\r\nX-Body-Header: not a header',
    );
    expect(s(h.setHttpHeader(REQ, 'X-New', 1))).toContain('Content-Length: 0\r\nX-New: 1\r\n\r\n');
    const plain = b('GET / HTTP/1.1\r\nA: 1\r\n\r\n');
    expect(h.setHttpHeader(plain, 'a', '1')).toBe(plain);
    expect(() => h.setHttpHeader(plain, 'Bad Name', 'x')).toThrow(
      expect.objectContaining({ code: 'TRAFFIC_ERR_HTTP_INVALID_HEADER' }),
    );
    expect(() => h.setHttpHeader(plain, 'X', 'a\r\nInjected: 1')).toThrow(
      expect.objectContaining({ code: 'TRAFFIC_ERR_HTTP_INVALID_HEADER' }),
    );
  });

  it('delete removes every field of the name, and only head fields', () => {
    expect(s(h.deleteHttpHeader(GO, 'X-REQUEST-ID'))).toBe(
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nX-Body-Header: not a header',
    );
    expect(h.deleteHttpHeader(GO, 'X-Body-Header')).toBe(GO);
  });
});

describe('body helpers', () => {
  it('setHttpBody replaces chunked framing and sets Content-Length', () => {
    const chunked = Buffer.concat([
      b('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'),
      encodeChunked(b('hello world'), 4),
    ]);
    expect(s(h.decodeChunked(chunked))).toBe('hello world');
    expect(s(h.setHttpBody(chunked, 'new'))).toBe('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nnew');
    expect(s(h.setHttpBody(b('POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi'), Buffer.from('hello')))).toBe(
      'POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello',
    );
    expect(s(h.httpBody(b('POST / HTTP/1.1\nContent-Length: 2\n\nhi')))).toBe('hi');
  });

  it('decompressBody removes chunking and gzip; binary bodies survive', () => {
    const gz = encodeContentEncoding(Buffer.from([0, 255, 10, 13, 1]), 'gzip');
    const msg = Buffer.concat([
      b('HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n'),
      encodeChunked(gz, 7),
    ]);
    expect([...h.decompressBody(msg)]).toEqual([0, 255, 10, 13, 1]);
  });

  it('form body parameters: exact names, decoding, Content-Length follows', () => {
    const form = b(
      'POST /f HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 19\r\n\r\nuser=a+b&username=x',
    );
    expect(h.httpBodyParam(form, 'user')).toBe('a b');
    expect(h.httpBodyParam(form, 'name')).toBeUndefined();
    const changed = s(h.setHttpBodyParam(form, 'username', 'y z'));
    expect(changed).toContain('Content-Length: 23\r\n\r\nuser=a+b&username=y%20z');
    expect(h.setHttpBodyParam(form, 'user', 'a b')).toBe(form);
    expect(s(h.setHttpBodyParam(form, 'extra', '1'))).toMatch(/username=x&extra=1$/);
  });
});

describe('cookie helpers', () => {
  it('read by exact name from "a=b; c=d" and "a=b;c=d"', () => {
    expect(h.httpCookie(REQ, 'a')).toBe('1');
    expect(h.httpCookie(REQ, 'ab')).toBe('2');
    expect(h.httpCookie(REQ, 'c')).toBe('3');
    expect(h.httpCookie(REQ, 'b')).toBeUndefined();
  });

  it('set replaces in place or appends, never writes "Cookie: ; a=1", no change when equal', () => {
    expect(h.httpHeader(h.setHttpCookie(REQ, 'ab', '9'), 'cookie')?.value).toBe('a=1; ab=9; c=3');
    expect(h.httpHeader(h.setHttpCookie(REQ, 'd', '4'), 'cookie')?.value).toBe('a=1; ab=2; c=3; d=4');
    const bare = b('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(s(h.setHttpCookie(bare, 'a', '1'))).toBe('GET / HTTP/1.1\r\nHost: h\r\nCookie: a=1\r\n\r\n');
    expect(h.setHttpCookie(REQ, 'a', '1')).toBe(REQ);
    expect(() => h.setHttpCookie(REQ, 'a', 'x; evil=1')).toThrow(
      expect.objectContaining({ code: 'TRAFFIC_ERR_GOR_INVALID_COOKIE' }),
    );
  });

  it('delete removes one cookie, and the header with the last one', () => {
    expect(h.httpHeader(h.deleteHttpCookie(REQ, 'ab'), 'cookie')?.value).toBe('a=1; c=3');
    const one = b('GET / HTTP/1.1\r\nCookie: a=1\r\n\r\n');
    expect(s(h.deleteHttpCookie(one, 'a'))).toBe('GET / HTTP/1.1\r\n\r\n');
    expect(h.deleteHttpCookie(one, 'zz')).toBe(one);
  });
});
