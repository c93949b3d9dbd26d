import type { TrafficError } from '@traffic/core';
import { decodeChunked, encodeChunked } from '@traffic/core';
import { describe, expect, it } from 'vitest';

const b = (text: string) => Buffer.from(text, 'latin1');

function errorOf(fn: () => unknown): TrafficError | undefined {
  try {
    fn();
  } catch (error) {
    return error as TrafficError;
  }
  return undefined;
}

describe('decodeChunked', () => {
  it('joins chunks, reads trailers and reports what it consumed', () => {
    const input = b('5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Sum: 12\r\nX-Two:  b \r\n\r\nNEXT');
    const decoded = decodeChunked(input);
    expect(decoded.body.toString()).toBe('hello world');
    expect(decoded.trailers).toEqual([
      ['X-Sum', '12'],
      ['X-Two', 'b'],
    ]);
    expect(decoded.complete).toBe(true);
    expect(input.subarray(decoded.consumed).toString()).toBe('NEXT');
  });

  it('accepts bare LF, upper-case hex and whitespace before an extension', () => {
    const decoded = decodeChunked(b('A \n0123456789\nb ; name="v"\r\n0123456789a\r\n0\n\n'));
    expect(decoded.body.toString()).toBe('01234567890123456789a');
    expect(decoded.complete).toBe(true);
  });

  it('keeps binary chunk data byte for byte', () => {
    const data = Buffer.from([0, 13, 10, 255, 48, 13]);
    const decoded = decodeChunked(Buffer.concat([b('6\r\n'), data, b('\r\n0\r\n\r\n')]));
    expect(decoded.body.equals(data)).toBe(true);
  });

  it('rejects invalid chunk sizes with TRAFFIC_ERR_HTTP_INVALID_CHUNK and the offset', () => {
    for (const input of ['zz\r\n', '\r\n', '-1\r\nx\r\n', '0x5\r\nhello\r\n', '1234567890abcdef0\r\n', '5 5\r\n']) {
      const error = errorOf(() => decodeChunked(b(input)));
      expect(error?.code, JSON.stringify(input)).toBe('TRAFFIC_ERR_HTTP_INVALID_CHUNK');
    }
    const later = errorOf(() => decodeChunked(b('1\r\na\r\nnope\r\n')));
    expect(later?.details).toEqual({ offset: 6 });
    expect(later?.message).toContain('"nope"');
  });

  it('rejects chunk data not followed by CRLF', () => {
    expect(errorOf(() => decodeChunked(b('3\r\nabcX\r\n0\r\n\r\n')))?.code).toBe('TRAFFIC_ERR_HTTP_INVALID_CHUNK');
  });

  it('rejects an endless chunk-size line before copying it', () => {
    const input = Buffer.concat([Buffer.alloc(10_000, 0x31), b('\r\n')]);
    expect(errorOf(() => decodeChunked(input))?.code).toBe('TRAFFIC_ERR_HTTP_INVALID_CHUNK');
  });

  it('reports truncation anywhere as TRAFFIC_ERR_HTTP_TRUNCATED_CHUNK', () => {
    for (const input of [
      '',
      '5',
      '5\r\nhel',
      '5\r\nhello',
      '5\r\nhello\r',
      '5\r\nhello\r\n',
      '0\r\n',
      '0\r\nX: 1\r\n',
    ]) {
      expect(errorOf(() => decodeChunked(b(input)))?.code, JSON.stringify(input)).toBe(
        'TRAFFIC_ERR_HTTP_TRUNCATED_CHUNK',
      );
    }
  });

  it('with allowPartial returns what arrived, including a cut chunk', () => {
    const partial = decodeChunked(b('5\r\nhello\r\n5\r\nwor'), { allowPartial: true });
    expect(partial).toMatchObject({ complete: false, consumed: 16 });
    expect(partial.body.toString()).toBe('hellowor');
    expect(decodeChunked(b('3\r\nabc\r\n0\r\n'), { allowPartial: true }).body.toString()).toBe('abc');
  });

  it('refuses to produce more than maxBytes (the size is checked before reading the data)', () => {
    const error = errorOf(() => decodeChunked(b('ffffffffffff\r\n'), { maxBytes: 1024 }));
    expect(error?.code).toBe('TRAFFIC_ERR_HTTP_BODY_TOO_LARGE');
    expect(decodeChunked(b('4\r\nabcd\r\n0\r\n\r\n'), { maxBytes: 4 }).body.toString()).toBe('abcd');
    expect(errorOf(() => decodeChunked(b('4\r\nabcd\r\n1\r\ne\r\n0\r\n\r\n'), { maxBytes: 4 }))?.code).toBe(
      'TRAFFIC_ERR_HTTP_BODY_TOO_LARGE',
    );
  });
});

describe('encodeChunked', () => {
  it('splits into chunks of at most chunkSize and ends with the zero chunk', () => {
    expect(encodeChunked(b('hello world'), 4).toString()).toBe('4\r\nhell\r\n4\r\no wo\r\n3\r\nrld\r\n0\r\n\r\n');
    expect(encodeChunked(Buffer.alloc(0)).toString()).toBe('0\r\n\r\n');
  });

  it('writes trailers after the zero chunk', () => {
    expect(encodeChunked(b('ab'), 16, [['X-Checksum', '1']]).toString()).toBe('2\r\nab\r\n0\r\nX-Checksum: 1\r\n\r\n');
  });

  it('round-trips through decodeChunked', () => {
    const body = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    const decoded = decodeChunked(encodeChunked(body, 1000, [['T', 'v']]));
    expect(decoded.body.equals(body)).toBe(true);
    expect(decoded.trailers).toEqual([['T', 'v']]);
  });

  it('rejects a chunk size that is not a positive integer and trailers that would inject lines', () => {
    for (const size of [0, -1, 1.5, Number.NaN]) {
      expect(errorOf(() => encodeChunked(b('x'), size))?.code).toBe('TRAFFIC_ERR_OPTION_INVALID');
    }
    expect(errorOf(() => encodeChunked(b('x'), 4, [['X', 'a\r\nEvil: 1']]))?.code).toBe(
      'TRAFFIC_ERR_HTTP_INVALID_HEADER',
    );
    expect(errorOf(() => encodeChunked(b('x'), 4, [['Bad Name', 'a']]))?.code).toBe('TRAFFIC_ERR_HTTP_INVALID_HEADER');
  });
});
