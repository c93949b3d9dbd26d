import { TrafficError } from '../errors.js';

/**
 * Parse an HTTP/1.x head from raw bytes, remembering where every line starts and ends so mutators
 * can rewrite one header and leave every other byte identical. Accepts CRLF and bare LF, status
 * lines without a reason, duplicate headers in order; obs-fold is rejected or unfolded.
 */
export type MessageKind = 'request' | 'response';

export interface HeaderField {
  /** The name as on the wire (case kept). */
  readonly name: string;
  /** The value with surrounding whitespace removed; folded lines joined by one space. */
  readonly value: string;
  /** Offset of the line's first byte. */
  readonly start: number;
  /** Offset just past the line's terminator (and past any folded continuation lines). */
  readonly end: number;
}

export interface ParseOptions {
  /** `request`, `response`, or `auto` (a head starting with "HTTP/" is a response). Default auto. */
  kind?: MessageKind | 'auto';
  /** obs-fold (a header line starting with space or tab): `reject` (default) or `unfold`. */
  obsFold?: 'reject' | 'unfold';
  /** Accept a head without its closing empty line (truncated capture): the whole input is head. */
  allowPartial?: boolean;
}

export interface ParsedHead {
  readonly kind: MessageKind;
  readonly method: string;
  readonly target: string;
  readonly version: string;
  readonly status: number;
  readonly reason: string;
  /** Offset just past the start line's terminator. */
  readonly startLineEnd: number;
  /** Offset where the start line begins (after any leading empty lines). */
  readonly startLineStart: number;
  readonly headers: readonly HeaderField[];
  /** Offset of the empty line that ends the head (where new header lines are inserted). */
  readonly headersEnd: number;
  /** Offset of the first body byte. */
  readonly bodyStart: number;
  /** The start line's terminator: new lines are written with the same one. */
  readonly newline: '\r\n' | '\n';
  /** False when allowPartial accepted a head without its empty line. */
  readonly complete: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HTAB = 0x09;

// RFC 9110 token characters.
const TOKEN = new Uint8Array(256);
for (const ch of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  TOKEN[ch.charCodeAt(0)] = 1;

const VERSION = /^HTTP\/\d\.\d$/;

function headError(code: string, message: string, offset: number): TrafficError {
  return new TrafficError(code, `${message} (at byte ${offset})`, { details: { offset } });
}

function isToken(bytes: Buffer, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) if (TOKEN[bytes[i] as number] !== 1) return false;
  return true;
}

export function parseHead(bytes: Buffer, options: ParseOptions = {}): ParsedHead {
  const obsFold = options.obsFold ?? 'reject';
  let pos = 0;
  // RFC 9112 §2.2: a recipient may ignore empty lines before the start line.
  while (pos < bytes.length && (bytes[pos] === LF || (bytes[pos] === CR && bytes[pos + 1] === LF))) {
    pos += bytes[pos] === CR ? 2 : 1;
  }
  const startLineStart = pos;
  const firstLf = bytes.indexOf(LF, pos);
  if (firstLf < 0) {
    if (!options.allowPartial)
      throw headError('TRAFFIC_ERR_HTTP_TRUNCATED_HEAD', 'HTTP head ends before the start line does', bytes.length);
  }
  const startLineEnd = firstLf < 0 ? bytes.length : firstLf + 1;
  const startContentEnd =
    firstLf < 0 ? bytes.length : firstLf > pos && bytes[firstLf - 1] === CR ? firstLf - 1 : firstLf;
  const newline: '\r\n' | '\n' = firstLf > 0 && bytes[firstLf - 1] === CR ? '\r\n' : '\n';
  const startLine = bytes.toString('latin1', pos, startContentEnd);

  const looksLikeResponse = startLine.startsWith('HTTP/');
  const kind: MessageKind =
    options.kind === undefined || options.kind === 'auto' ? (looksLikeResponse ? 'response' : 'request') : options.kind;
  let method = '';
  let target = '';
  let version = '';
  let status = 0;
  let reason = '';
  if (kind === 'response') {
    const firstSpace = startLine.indexOf(' ');
    version = firstSpace < 0 ? startLine : startLine.slice(0, firstSpace);
    const code = firstSpace < 0 ? '' : startLine.slice(firstSpace + 1, firstSpace + 4);
    const after = firstSpace < 0 ? '' : startLine.slice(firstSpace + 4);
    if (!VERSION.test(version) || !/^\d{3}$/.test(code) || (after !== '' && after[0] !== ' ')) {
      throw headError(
        'TRAFFIC_ERR_HTTP_INVALID_START_LINE',
        `invalid status line ${JSON.stringify(startLine.slice(0, 60))}: expected "HTTP/1.1 200 OK"`,
        pos,
      );
    }
    status = Number(code);
    reason = after.slice(1);
  } else {
    const firstSpace = startLine.indexOf(' ');
    const lastSpace = startLine.lastIndexOf(' ');
    method = firstSpace < 0 ? startLine : startLine.slice(0, firstSpace);
    target = firstSpace < 0 || lastSpace <= firstSpace ? '' : startLine.slice(firstSpace + 1, lastSpace);
    version = lastSpace <= firstSpace ? '' : startLine.slice(lastSpace + 1);
    if (!isToken(bytes, pos, pos + method.length) || target === '' || target.includes(' ') || !VERSION.test(version)) {
      throw headError(
        'TRAFFIC_ERR_HTTP_INVALID_START_LINE',
        `invalid request line ${JSON.stringify(startLine.slice(0, 60))}: expected "GET /path HTTP/1.1"`,
        pos,
      );
    }
  }

  const headers: HeaderField[] = [];
  pos = startLineEnd;
  let headersEnd = bytes.length;
  let bodyStart = bytes.length;
  let complete = false;
  while (pos < bytes.length) {
    const lf = bytes.indexOf(LF, pos);
    const lineEnd = lf < 0 ? bytes.length : lf + 1;
    const contentEnd = lf < 0 ? bytes.length : lf > pos && bytes[lf - 1] === CR ? lf - 1 : lf;
    if (contentEnd === pos && lf >= 0) {
      headersEnd = pos;
      bodyStart = lineEnd;
      complete = true;
      break;
    }
    if (lf < 0 && !options.allowPartial) break;
    const first = bytes[pos];
    if (first === SP || first === HTAB) {
      const previous = headers.at(-1);
      if (obsFold === 'reject' || previous === undefined) {
        throw headError(
          'TRAFFIC_ERR_HTTP_OBS_FOLD',
          'obsolete line folding in a header (a line starting with space or tab)',
          pos,
        );
      }
      const more = bytes.toString('latin1', pos, contentEnd).trim();
      headers[headers.length - 1] = {
        ...previous,
        value: more === '' ? previous.value : `${previous.value} ${more}`,
        end: lineEnd,
      };
      pos = lineEnd;
      continue;
    }
    const colon = bytes.indexOf(0x3a, pos);
    if (colon < 0 || colon >= contentEnd || !isToken(bytes, pos, colon)) {
      const line = bytes.toString('latin1', pos, Math.min(contentEnd, pos + 60));
      throw headError(
        'TRAFFIC_ERR_HTTP_INVALID_HEADER',
        `invalid header line ${JSON.stringify(line)}: expected "Name: value" with a token name`,
        pos,
      );
    }
    let valueStart = colon + 1;
    let valueEnd = contentEnd;
    while (valueStart < valueEnd && (bytes[valueStart] === SP || bytes[valueStart] === HTAB)) valueStart++;
    while (valueEnd > valueStart && (bytes[valueEnd - 1] === SP || bytes[valueEnd - 1] === HTAB)) valueEnd--;
    for (let i = valueStart; i < valueEnd; i++) {
      const byte = bytes[i] as number;
      if (byte === 0 || byte === CR || byte === LF) {
        throw headError('TRAFFIC_ERR_HTTP_INVALID_HEADER', 'header value contains NUL or a bare CR', i);
      }
    }
    headers.push({
      name: bytes.toString('latin1', pos, colon),
      value: bytes.toString('latin1', valueStart, valueEnd),
      start: pos,
      end: lineEnd,
    });
    pos = lineEnd;
  }
  if (!complete) {
    if (!options.allowPartial) {
      throw headError(
        'TRAFFIC_ERR_HTTP_TRUNCATED_HEAD',
        'HTTP head has no closing empty line (truncated message?)',
        bytes.length,
      );
    }
    headersEnd = bytes.length;
    bodyStart = bytes.length;
  }
  return {
    kind,
    method,
    target,
    version,
    status,
    reason,
    startLineStart,
    startLineEnd,
    headers,
    headersEnd,
    bodyStart,
    newline,
    complete,
  };
}
