import { TrafficError } from '../errors.js';
import { integerOption } from '../options.js';

/**
 * Chunked transfer coding (RFC 9112 §7.1). Decoding accepts bare LF line ends and chunk extensions,
 * and reports bad sizes and truncation as coded errors (or, with allowPartial, returns what arrived).
 */
export interface DecodedChunks {
  body: Buffer;
  /** Trailer fields as [name, value] pairs, in order. */
  trailers: [string, string][];
  /** True when the last (zero-size) chunk and the trailer section were read. */
  complete: boolean;
  /** Bytes of input consumed (the rest, if any, follows the message). */
  consumed: number;
}

export interface DecodeChunkedOptions {
  /** Return the chunks read so far instead of throwing when the input stops early. */
  allowPartial?: boolean;
  /** Refuse to produce more than this many body bytes (default 64 MiB). */
  maxBytes?: number;
}

const LF = 0x0a;
const CR = 0x0d;
const HEX = /^[0-9a-fA-F]{1,15}$/;
// A chunk-size line is a few hex digits plus optional extensions; cap it so garbage input is
// rejected before it is copied into a string.
const MAX_SIZE_LINE = 4096;

export function decodeChunked(input: Buffer, options: DecodeChunkedOptions = {}): DecodedChunks {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const parts: Buffer[] = [];
  let total = 0;
  let pos = 0;
  const truncated = (what: string): DecodedChunks => {
    if (options.allowPartial)
      return { body: Buffer.concat(parts, total), trailers: [], complete: false, consumed: pos };
    throw new TrafficError('TRAFFIC_ERR_HTTP_TRUNCATED_CHUNK', `chunked body ends inside ${what} (at byte ${pos})`, {
      details: { offset: pos },
    });
  };
  for (;;) {
    const lf = input.indexOf(LF, pos);
    if (lf < 0) return truncated('a chunk-size line');
    const lineEnd = lf > pos && input[lf - 1] === CR ? lf - 1 : lf;
    if (lineEnd - pos > MAX_SIZE_LINE) {
      throw new TrafficError(
        'TRAFFIC_ERR_HTTP_INVALID_CHUNK',
        `chunk-size line at byte ${pos} is longer than ${MAX_SIZE_LINE} bytes`,
        { details: { offset: pos } },
      );
    }
    const line = input.toString('latin1', pos, lineEnd);
    const semicolon = line.indexOf(';');
    const sizeText = (semicolon < 0 ? line : line.slice(0, semicolon)).trim();
    if (!HEX.test(sizeText)) {
      throw new TrafficError(
        'TRAFFIC_ERR_HTTP_INVALID_CHUNK',
        `invalid chunk size ${JSON.stringify(sizeText.slice(0, 20))} at byte ${pos}: expected hexadecimal digits`,
        {
          details: { offset: pos },
        },
      );
    }
    const size = Number.parseInt(sizeText, 16);
    if (total + size > maxBytes) {
      throw new TrafficError('TRAFFIC_ERR_HTTP_BODY_TOO_LARGE', `chunked body exceeds ${maxBytes} bytes`, {
        details: { maxBytes },
      });
    }
    pos = lf + 1;
    if (size === 0) break;
    if (pos + size > input.length) {
      if (options.allowPartial) {
        parts.push(input.subarray(pos));
        total += input.length - pos;
        pos = input.length;
      }
      return truncated('chunk data');
    }
    parts.push(input.subarray(pos, pos + size));
    total += size;
    pos += size;
    // The CRLF (or LF) after the chunk data.
    if (input[pos] === CR && input[pos + 1] === LF) pos += 2;
    else if (input[pos] === LF) pos += 1;
    else if (pos >= input.length || (input[pos] === CR && pos + 1 >= input.length))
      return truncated('a chunk terminator');
    else {
      throw new TrafficError('TRAFFIC_ERR_HTTP_INVALID_CHUNK', `chunk data is not followed by CRLF at byte ${pos}`, {
        details: { offset: pos },
      });
    }
  }
  const trailers: [string, string][] = [];
  for (;;) {
    const lf = input.indexOf(LF, pos);
    if (lf < 0) return truncated('the trailer section');
    const lineEnd = lf > pos && input[lf - 1] === CR ? lf - 1 : lf;
    if (lineEnd === pos) {
      pos = lf + 1;
      break;
    }
    const line = input.toString('latin1', pos, lineEnd);
    const colon = line.indexOf(':');
    if (colon > 0) trailers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
    pos = lf + 1;
  }
  return { body: Buffer.concat(parts, total), trailers, complete: true, consumed: pos };
}

/** Encode a body as chunks of at most `chunkSize` bytes, ended by the zero chunk and any trailers. */
export function encodeChunked(body: Buffer, chunkSize = 16 * 1024, trailers: [string, string][] = []): Buffer {
  integerOption('chunkSize', chunkSize, 1);
  for (const [name, value] of trailers) {
    if (!TRAILER_NAME.test(name) || /[\0\r\n]/.test(value)) {
      throw new TrafficError(
        'TRAFFIC_ERR_HTTP_INVALID_HEADER',
        `invalid trailer ${JSON.stringify(name)}: the name must be a token and the value free of CR, LF and NUL`,
        { details: { name } },
      );
    }
  }
  const parts: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += chunkSize) {
    const piece = body.subarray(offset, Math.min(body.length, offset + chunkSize));
    parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`, 'latin1'), piece, Buffer.from('\r\n', 'latin1'));
  }
  const trailerText = trailers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
  parts.push(Buffer.from(`0\r\n${trailerText}\r\n`, 'latin1'));
  return Buffer.concat(parts);
}

const TRAILER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
