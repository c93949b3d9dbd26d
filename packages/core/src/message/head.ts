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

// Buffer's own latin1 decoder (what toString('latin1') calls after checking its arguments).
type LatinSlicer = Buffer & { latin1Slice(start: number, end: number): string };

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HTAB = 0x09;

// RFC 9110 token characters.
const TOKEN = new Uint8Array(256);
for (const ch of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  TOKEN[ch.charCodeAt(0)] = 1;

const VERSION = /^HTTP\/\d\.\d$/;
// A reason phrase may hold HTAB, SP, VCHAR and obs-text, but no other control character.
const REASON_INVALID = /[\u0000-\u0008\u000a-\u001f\u007f]/;
// Most heads fit: decode this much first, grow (x4) only when the empty line is not in it.
const FIRST_WINDOW = 4096;

function headError(code: string, message: string, offset: number): TrafficError {
  return new TrafficError(code, `${message} (at byte ${offset})`, { details: { offset } });
}

function isToken(text: string, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) if (TOKEN[text.charCodeAt(i)] !== 1) return false;
  return true;
}

/** Index of the LF that ends the last head line (an empty line follows it), or -1. */
function findHeadEnd(text: string, from: number): number {
  // Single-character searches (memchr-fast) beat searching for "\n\r\n" and "\n\n" separately.
  for (let lf = text.indexOf('\n', from); lf >= 0; lf = text.indexOf('\n', lf + 1)) {
    const next = text.charCodeAt(lf + 1);
    if (next === LF || (next === CR && text.charCodeAt(lf + 2) === LF)) return lf;
  }
  return -1;
}

/** Up to 60 characters of a line, quoted, for an error message (built only when one is thrown). */
function shownLine(text: string, start: number, end: number): string {
  return JSON.stringify(text.slice(start, Math.min(end, start + 60)));
}

/** True when the target holds whitespace or a control character (0x00-0x20, 0x7f). */
function badTarget(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code <= SP || code === 0x7f) return true;
  }
  return false;
}

export function parseHead(bytes: Buffer, options: ParseOptions = {}): ParsedHead {
  return parseHeadFor(bytes, options, undefined);
}

/** True when text[start, end) is `lower` in any letter case (header names are ASCII tokens). */
function sameName(text: string, start: number, end: number, lower: string): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    let code = text.charCodeAt(start + i);
    if (code >= 0x41 && code <= 0x5a) code += 0x20;
    if (code !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * parseHead, keeping in `headers` only the fields named `lowerName` (lower case) when it is given.
 * Every line is checked as parseHead checks it (same errors), but the other fields are not built:
 * editing one header of a fresh message needs only that header and where the head ends.
 */
export function parseHeadFor(bytes: Buffer, options: ParseOptions, lowerName: string | undefined): ParsedHead {
  const obsFold = options.obsFold ?? 'reject';
  const allowPartial = options.allowPartial === true;
  const length = bytes.length;
  let pos = 0;
  // RFC 9112 §2.2: a recipient may ignore empty lines before the start line.
  while (pos < length && (bytes[pos] === LF || (bytes[pos] === CR && bytes[pos + 1] === LF))) {
    pos += bytes[pos] === CR ? 2 : 1;
  }
  const startLineStart = pos;

  // The head is decoded once as latin1 (one char per byte: string indexes are byte offsets) and
  // scanned with string builtins, which is several times faster than per-field Buffer calls.
  let text = '';
  let endLf = -1;
  for (let window = Math.min(length, FIRST_WINDOW); ; window = Math.min(length, window * 4)) {
    text = (bytes as LatinSlicer).latin1Slice(0, window);
    endLf = findHeadEnd(text, startLineStart);
    if (endLf >= 0 || window === length) break;
  }
  const complete = endLf >= 0;
  const headersEnd = complete ? endLf + 1 : length;
  const bodyStart = complete ? headersEnd + (text.charCodeAt(headersEnd) === CR ? 2 : 1) : length;
  const limit = headersEnd;

  const firstLf = text.indexOf('\n', pos);
  if (firstLf < 0 && !allowPartial) {
    throw headError('TRAFFIC_ERR_HTTP_TRUNCATED_HEAD', 'HTTP head ends before the start line does', length);
  }
  const startLineEnd = firstLf < 0 ? length : firstLf + 1;
  const startContentEnd =
    firstLf < 0 ? length : firstLf > pos && text.charCodeAt(firstLf - 1) === CR ? firstLf - 1 : firstLf;
  const newline: '\r\n' | '\n' = firstLf > 0 && text.charCodeAt(firstLf - 1) === CR ? '\r\n' : '\n';
  // The start line is read by offsets into `text` (a flat string): scanning slices of it is slower.
  const looksLikeResponse = text.startsWith('HTTP/', pos) && pos + 5 <= startContentEnd;
  const kind: MessageKind =
    options.kind === undefined || options.kind === 'auto' ? (looksLikeResponse ? 'response' : 'request') : options.kind;
  let firstSpace = text.indexOf(' ', pos);
  if (firstSpace >= startContentEnd) firstSpace = -1;
  let method = '';
  let target = '';
  let version = '';
  let status = 0;
  let reason = '';
  if (kind === 'response') {
    version = text.slice(pos, firstSpace < 0 ? startContentEnd : firstSpace);
    const code = firstSpace < 0 ? '' : text.slice(firstSpace + 1, Math.min(firstSpace + 4, startContentEnd));
    const after = firstSpace < 0 ? '' : text.slice(Math.min(firstSpace + 4, startContentEnd), startContentEnd);
    if (
      !VERSION.test(version) ||
      !/^\d{3}$/.test(code) ||
      (after !== '' && after.charCodeAt(0) !== SP) ||
      REASON_INVALID.test(after)
    ) {
      throw headError(
        'TRAFFIC_ERR_HTTP_INVALID_START_LINE',
        `invalid status line ${shownLine(text, pos, startContentEnd)}: expected "HTTP/1.1 200 OK"`,
        pos,
      );
    }
    status = Number(code);
    reason = after.slice(1);
  } else {
    const methodEnd = firstSpace < 0 ? startContentEnd : firstSpace;
    const lastSpace = firstSpace < 0 ? -1 : text.lastIndexOf(' ', startContentEnd - 1);
    const hasTarget = firstSpace >= 0 && lastSpace > firstSpace;
    method = text.slice(pos, methodEnd);
    target = hasTarget ? text.slice(firstSpace + 1, lastSpace) : '';
    version = hasTarget ? text.slice(lastSpace + 1, startContentEnd) : '';
    if (
      !isToken(text, pos, methodEnd) ||
      !hasTarget ||
      lastSpace === firstSpace + 1 ||
      badTarget(text, firstSpace + 1, lastSpace) ||
      !VERSION.test(version)
    ) {
      throw headError(
        'TRAFFIC_ERR_HTTP_INVALID_START_LINE',
        `invalid request line ${shownLine(text, pos, startContentEnd)}: expected "GET /path HTTP/1.1"`,
        pos,
      );
    }
  }

  const headers: HeaderField[] = [];
  // Whether a field line was seen (a continuation needs one) and whether the last one was kept.
  let sawField = false;
  let keptLast = false;
  // Next CR and NUL in the head, found once and moved forward only when passed (linear overall).
  let nextCr = -1;
  let nextNul = text.indexOf('\0', startLineEnd);
  if (nextNul < 0 || nextNul >= limit) nextNul = limit;
  pos = startLineEnd;
  while (pos < limit) {
    let lf = text.indexOf('\n', pos);
    if (lf >= limit) lf = -1;
    if (lf < 0 && !allowPartial) break;
    const lineEnd = lf < 0 ? limit : lf + 1;
    let contentEnd = lf < 0 ? limit : lf > pos && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
    // A partial capture may stop between CR and LF.
    if (lf < 0 && contentEnd > pos && text.charCodeAt(contentEnd - 1) === CR) contentEnd--;
    if (nextCr < pos) {
      nextCr = text.indexOf('\r', pos);
      if (nextCr < 0) nextCr = length;
    }
    const first = text.charCodeAt(pos);
    if (first === SP || first === HTAB) {
      if (obsFold === 'reject' || !sawField) {
        throw headError(
          'TRAFFIC_ERR_HTTP_OBS_FOLD',
          'obsolete line folding in a header (a line starting with space or tab)',
          pos,
        );
      }
      if (nextCr < contentEnd || nextNul < contentEnd) {
        throw headError(
          'TRAFFIC_ERR_HTTP_INVALID_HEADER',
          'header value contains NUL or a bare CR',
          Math.min(nextCr, nextNul),
        );
      }
      // A continuation belongs to the field before it: extended only when that field was kept.
      const previous = headers.at(-1);
      if (keptLast && previous !== undefined) {
        const more = text.slice(pos, contentEnd).trim();
        headers[headers.length - 1] = {
          ...previous,
          value: more === '' ? previous.value : `${previous.value} ${more}`,
          end: lineEnd,
        };
      }
      pos = lineEnd;
      continue;
    }
    const colon = text.indexOf(':', pos);
    if (colon < 0 || colon >= contentEnd || !isToken(text, pos, colon)) {
      throw headError(
        'TRAFFIC_ERR_HTTP_INVALID_HEADER',
        `invalid header line ${shownLine(text, pos, contentEnd)}: expected "Name: value" with a token name`,
        pos,
      );
    }
    if (nextCr < contentEnd || nextNul < contentEnd) {
      throw headError(
        'TRAFFIC_ERR_HTTP_INVALID_HEADER',
        'header value contains NUL or a bare CR',
        Math.min(nextCr, nextNul),
      );
    }
    sawField = true;
    keptLast = lowerName === undefined || sameName(text, pos, colon, lowerName);
    if (!keptLast) {
      pos = lineEnd;
      continue;
    }
    let valueStart = colon + 1;
    let valueEnd = contentEnd;
    while (valueStart < valueEnd) {
      const code = text.charCodeAt(valueStart);
      if (code !== SP && code !== HTAB) break;
      valueStart++;
    }
    while (valueEnd > valueStart) {
      const code = text.charCodeAt(valueEnd - 1);
      if (code !== SP && code !== HTAB) break;
      valueEnd--;
    }
    headers.push({
      name: text.slice(pos, colon),
      value: text.slice(valueStart, valueEnd),
      start: pos,
      end: lineEnd,
    });
    pos = lineEnd;
  }
  if (!complete && !allowPartial) {
    throw headError(
      'TRAFFIC_ERR_HTTP_TRUNCATED_HEAD',
      'HTTP head has no closing empty line (truncated message?)',
      length,
    );
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
