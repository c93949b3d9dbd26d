import { Readable, type Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import type { TrafficError } from '@traffic/core';
import {
  createContentDecoders,
  decodeContentEncoding,
  encodeContentEncoding,
  parseCodings,
  SUPPORTED_CONTENT_CODINGS,
} from '@traffic/core';
import { describe, expect, it } from 'vitest';

const payload = Buffer.from('{"items":[1,2,3],"text":"compress me please"}'.repeat(40));

function errorOf(fn: () => unknown): TrafficError | undefined {
  try {
    fn();
  } catch (error) {
    return error as TrafficError;
  }
  return undefined;
}

async function streamThrough(decoders: Transform[], input: Buffer, pieceSize = 7): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < input.length; i += pieceSize) pieces.push(input.subarray(i, i + pieceSize));
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out.push(chunk);
      callback();
    },
  });
  await pipeline([Readable.from(pieces), ...decoders, sink]);
  return Buffer.concat(out);
}

describe('parseCodings', () => {
  it('lower-cases, trims and drops identity and empty entries', () => {
    expect(parseCodings(' GZIP , identity,, br ')).toEqual(['gzip', 'br']);
    expect(parseCodings(undefined)).toEqual([]);
    expect(parseCodings('')).toEqual([]);
  });
});

describe('decodeContentEncoding', () => {
  it('decodes gzip, x-gzip, zlib-wrapped deflate, raw deflate and br', () => {
    expect(decodeContentEncoding(gzipSync(payload), 'gzip').equals(payload)).toBe(true);
    expect(decodeContentEncoding(gzipSync(payload), 'X-Gzip').equals(payload)).toBe(true);
    expect(decodeContentEncoding(deflateSync(payload), 'deflate').equals(payload)).toBe(true);
    expect(decodeContentEncoding(deflateRawSync(payload), 'deflate').equals(payload)).toBe(true);
    expect(decodeContentEncoding(brotliCompressSync(payload), 'br').equals(payload)).toBe(true);
  });

  it('undoes a list of codings in reverse order', () => {
    const twice = brotliCompressSync(gzipSync(payload));
    expect(decodeContentEncoding(twice, 'gzip, br').equals(payload)).toBe(true);
  });

  it('returns the same bytes for no header or identity', () => {
    expect(decodeContentEncoding(payload, undefined)).toBe(payload);
    expect(decodeContentEncoding(payload, 'identity')).toBe(payload);
  });

  it('treats an empty body as empty for every supported coding (HEAD, 204, 304)', () => {
    for (const coding of ['gzip', 'deflate', 'br']) {
      expect(decodeContentEncoding(Buffer.alloc(0), coding).length).toBe(0);
    }
    expect(errorOf(() => decodeContentEncoding(Buffer.alloc(0), 'compress'))?.code).toBe(
      'TRAFFIC_ERR_HTTP_UNSUPPORTED_ENCODING',
    );
  });

  it('turns corrupt or truncated gzip, deflate and br into TRAFFIC_ERR_HTTP_DECODE_FAILED with the cause', () => {
    const cases: [Buffer, string][] = [
      [Buffer.from('definitely not gzip'), 'gzip'],
      [gzipSync(payload).subarray(0, 30), 'gzip'],
      [Buffer.from([0x78, 0x9c, 1, 2, 3, 4, 5]), 'deflate'],
      [Buffer.from('garbage!!'), 'br'],
      [brotliCompressSync(payload).subarray(0, 10), 'br'],
    ];
    for (const [body, coding] of cases) {
      const error = errorOf(() => decodeContentEncoding(body, coding));
      expect(error?.code, coding).toBe('TRAFFIC_ERR_HTTP_DECODE_FAILED');
      expect(error?.message).toContain(`cannot decode ${coding} body`);
      expect(error?.cause).toBeInstanceOf(Error);
      expect(error?.details).toEqual({ coding });
    }
  });

  it('stops a zip bomb at maxBytes with TRAFFIC_ERR_HTTP_BODY_TOO_LARGE', () => {
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024));
    const error = errorOf(() => decodeContentEncoding(bomb, 'gzip', { maxBytes: 64 * 1024 }));
    expect(error?.code).toBe('TRAFFIC_ERR_HTTP_BODY_TOO_LARGE');
    expect(error?.details).toEqual({ coding: 'gzip', maxBytes: 64 * 1024 });
  });

  it('names an unsupported coding and the supported ones', () => {
    const error = errorOf(() => decodeContentEncoding(payload, 'zstd'));
    expect(error?.code).toBe('TRAFFIC_ERR_HTTP_UNSUPPORTED_ENCODING');
    expect(error?.message).toContain('"zstd"');
    expect(error?.message).toContain(SUPPORTED_CONTENT_CODINGS.join(', '));
  });
});

describe('encodeContentEncoding', () => {
  it('encodes each supported coding so that decoding restores the body', () => {
    for (const coding of ['gzip', 'x-gzip', 'deflate', 'br']) {
      const encoded = encodeContentEncoding(payload, coding);
      expect(encoded.length).toBeLessThan(payload.length);
      expect(decodeContentEncoding(encoded, coding).equals(payload)).toBe(true);
    }
    expect(encodeContentEncoding(payload, 'identity')).toBe(payload);
    expect(errorOf(() => encodeContentEncoding(payload, 'compress'))?.code).toBe(
      'TRAFFIC_ERR_HTTP_UNSUPPORTED_ENCODING',
    );
  });
});

describe('createContentDecoders', () => {
  it('returns no decoder for identity and one per coding otherwise', () => {
    expect(createContentDecoders(undefined)).toEqual([]);
    expect(createContentDecoders('identity')).toEqual([]);
    expect(createContentDecoders('gzip, br')).toHaveLength(2);
    expect(errorOf(() => createContentDecoders('gzip, zstd'))?.code).toBe('TRAFFIC_ERR_HTTP_UNSUPPORTED_ENCODING');
  });

  it('streams gzip, br, both deflate forms and a stacked list, in small pieces', async () => {
    expect((await streamThrough(createContentDecoders('gzip'), gzipSync(payload))).equals(payload)).toBe(true);
    expect((await streamThrough(createContentDecoders('br'), brotliCompressSync(payload))).equals(payload)).toBe(true);
    expect((await streamThrough(createContentDecoders('deflate'), deflateSync(payload))).equals(payload)).toBe(true);
    expect((await streamThrough(createContentDecoders('deflate'), deflateRawSync(payload), 1)).equals(payload)).toBe(
      true,
    );
    const stacked = brotliCompressSync(gzipSync(payload));
    expect((await streamThrough(createContentDecoders('gzip, br'), stacked)).equals(payload)).toBe(true);
  });

  it('fails the stream (never the process) on corrupt input', async () => {
    await expect(streamThrough(createContentDecoders('gzip'), Buffer.from('not gzip data'))).rejects.toThrow();
    await expect(streamThrough(createContentDecoders('deflate'), Buffer.from([0x78, 0x9c, 9, 9, 9]))).rejects.toThrow();
  });
});
