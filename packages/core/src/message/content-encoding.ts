import { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { TrafficError } from '../errors.js';

/**
 * Content-Encoding decode (gzip, x-gzip, deflate with or without the zlib wrapper, br, identity),
 * applied in reverse order of the header's list. Output is capped, so a zip bomb is an error.
 */
export const SUPPORTED_CONTENT_CODINGS: readonly string[] = ['gzip', 'x-gzip', 'deflate', 'br', 'identity'];

export function parseCodings(header: string | undefined): string[] {
  if (header === undefined) return [];
  return header
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
}

export interface DecodeBodyOptions {
  /** Refuse to produce more than this many bytes (default 64 MiB). */
  maxBytes?: number;
}

export function decodeContentEncoding(
  body: Buffer,
  contentEncoding: string | undefined,
  options: DecodeBodyOptions = {},
): Buffer {
  const maxOutputLength = options.maxBytes ?? 64 * 1024 * 1024;
  let out = body;
  const codings = parseCodings(contentEncoding);
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i] as string;
    // HEAD answers, 204 and 304 carry Content-Encoding with no body: nothing to decode.
    if (out.length === 0 && SUPPORTED_CONTENT_CODINGS.includes(coding)) continue;
    try {
      switch (coding) {
        case 'gzip':
        case 'x-gzip':
          out = zlib.gunzipSync(out, { maxOutputLength });
          break;
        case 'deflate':
          // Many servers send raw deflate although the RFC says zlib-wrapped: accept both.
          out = hasZlibHeader(out)
            ? zlib.inflateSync(out, { maxOutputLength })
            : zlib.inflateRawSync(out, { maxOutputLength });
          break;
        case 'br':
          out = zlib.brotliDecompressSync(out, { maxOutputLength });
          break;
        default:
          throw new TrafficError(
            'TRAFFIC_ERR_HTTP_UNSUPPORTED_ENCODING',
            `unsupported content-encoding ${JSON.stringify(coding)} (supported: ${SUPPORTED_CONTENT_CODINGS.join(', ')})`,
            { details: { coding } },
          );
      }
    } catch (error) {
      if (error instanceof TrafficError) throw error;
      if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new TrafficError(
          'TRAFFIC_ERR_HTTP_BODY_TOO_LARGE',
          `decoded ${coding} body exceeds ${maxOutputLength} bytes`,
          {
            cause: error,
            details: { coding, maxBytes: maxOutputLength },
          },
        );
      }
      throw new TrafficError(
        'TRAFFIC_ERR_HTTP_DECODE_FAILED',
        `cannot decode ${coding} body: ${(error as Error).message}`,
        {
          cause: error,
          details: { coding },
        },
      );
    }
  }
  return out;
}

/** Compress a body with one coding (for tests and for helpers that re-encode). */
export function encodeContentEncoding(body: Buffer, coding: string): Buffer {
  switch (coding.toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gzipSync(body);
    case 'deflate':
      return zlib.deflateSync(body);
    case 'br':
      return zlib.brotliCompressSync(body);
    case 'identity':
      return body;
    default:
      throw new TrafficError(
        'TRAFFIC_ERR_HTTP_UNSUPPORTED_ENCODING',
        `unsupported content-encoding ${JSON.stringify(coding)}`,
        {
          details: { coding },
        },
      );
  }
}

/**
 * Streaming decoders for a Content-Encoding header, outermost coding first in the returned list
 * (pipe them in order). Empty for identity; throws TRAFFIC_ERR_HTTP_UNSUPPORTED_ENCODING otherwise.
 */
export function createContentDecoders(contentEncoding: string | undefined): Transform[] {
  const codings = parseCodings(contentEncoding);
  const decoders: Transform[] = [];
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i] as string;
    if (coding === 'gzip' || coding === 'x-gzip') decoders.push(zlib.createGunzip());
    else if (coding === 'deflate') decoders.push(createDeflateDecoder());
    else if (coding === 'br') decoders.push(zlib.createBrotliDecompress());
    else {
      throw new TrafficError(
        'TRAFFIC_ERR_HTTP_UNSUPPORTED_ENCODING',
        `unsupported content-encoding ${JSON.stringify(coding)}`,
        {
          details: { coding },
        },
      );
    }
  }
  return decoders;
}

/**
 * A deflate decoder that, like decodeContentEncoding, accepts both zlib-wrapped and raw deflate:
 * it looks at the first two bytes, then pipes through inflate or inflateRaw.
 */
function createDeflateDecoder(): Transform {
  let inner: zlib.Inflate | zlib.InflateRaw | undefined;
  let pending = Buffer.alloc(0);
  const start = (self: Transform, first: Buffer): zlib.Inflate | zlib.InflateRaw => {
    const chosen = hasZlibHeader(first) ? zlib.createInflate() : zlib.createInflateRaw();
    chosen.on('data', (chunk: Buffer) => self.push(chunk));
    chosen.on('error', (error) => self.destroy(error));
    return chosen;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (inner === undefined) {
        pending = Buffer.concat([pending, chunk]);
        if (pending.length < 2) return callback();
        inner = start(this, pending);
        chunk = pending;
      }
      if (inner.write(chunk)) callback();
      else inner.once('drain', () => callback());
    },
    flush(callback) {
      if (inner === undefined) {
        if (pending.length === 0) return callback();
        inner = start(this, pending);
        inner.write(pending);
      }
      inner.once('end', () => callback());
      inner.end();
    },
  });
}

/** RFC 1950 header: compression method 8 and a check value making the first two bytes a multiple of 31. */
function hasZlibHeader(bytes: Buffer): boolean {
  if (bytes.length < 2) return false;
  const cmf = bytes[0] as number;
  const flg = bytes[1] as number;
  return (cmf & 0x0f) === 8 && (cmf * 256 + flg) % 31 === 0;
}
