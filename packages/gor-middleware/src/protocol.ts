import { encodeLatin1HexInto } from './hex.js';
import { decodeHex, encodeHex, encodeHexInto } from './hex-codec.js';
import type { GorMessage } from './message.js';
import type { OutputBatcher } from './output-batcher.js';

/**
 * GoReplay's middleware wire format: one line per message, lowercase hex of
 * `TYPE ID TIMESTAMP LATENCY\n` + raw HTTP bytes, ended by `\n`. Headers with 3 or more fields are
 * accepted; the header itself is capped so a line without `\n` in its payload is found quickly.
 */
export const MAX_HEADER_BYTES = 4096;

export interface ParsedHeader {
  fields: string[];
  /** Offset (in the source) of the first payload byte / hex digit. */
  payloadStart: number;
}

/** What scanHexHeader found. */
export interface ScannedHeader {
  payloadStart: number;
  /** The type when it is one of the known single-digit types, else ''. */
  type: '1' | '2' | '3' | '';
}

const DIGIT_0 = 0x30;
const DIGIT_1 = 0x31;
const DIGIT_2 = 0x32;
const DIGIT_3 = 0x33;
const DIGIT_A = 0x61;

/**
 * Scan the header of a lowercase hex line span without decoding or allocating: returns the offset
 * of the payload's first hex digit and the message type ('1', '2', '3', or '' for any other), or
 * the reason the header is malformed. Digit pairs are compared as bytes: the header ends at the
 * first "0a" pair and its fields are split by "20" pairs. Other bytes never match, so a span not
 * yet validated at worst reports a malformed header.
 */
export function scanHexHeader(line: Buffer, start: number, end: number): ScannedHeader | string {
  const limit = Math.min(end, start + MAX_HEADER_BYTES * 2);
  let spaces = 0;
  let firstSpace = -1;
  let secondSpace = -1;
  let at = start;
  for (; at < limit; at += 2) {
    const high = line[at];
    if (high === DIGIT_0) {
      if (line[at + 1] === DIGIT_A) break;
    } else if (high === DIGIT_2 && line[at + 1] === DIGIT_0) {
      spaces++;
      if (firstSpace < 0) firstSpace = at;
      else if (secondSpace < 0) secondSpace = at;
    }
  }
  if (at >= limit) {
    return at >= end
      ? 'no header terminator (the decoded line has no "\\n" after the header)'
      : `header longer than ${MAX_HEADER_BYTES} bytes`;
  }
  if (spaces < 2) return `header has ${spaces + 1} field(s), expected "TYPE ID TIMESTAMP [LATENCY]"`;
  if (firstSpace === start || secondSpace === firstSpace + 2) return 'header has an empty type or ID';
  let type: ScannedHeader['type'] = '';
  if (firstSpace === start + 2 && line[start] === DIGIT_3) {
    const low = line[start + 1];
    if (low === DIGIT_1) type = '1';
    else if (low === DIGIT_2) type = '2';
    else if (low === DIGIT_3) type = '3';
  }
  return { payloadStart: at + 2, type };
}

/** The header fields of a scanned hex line. */
export function hexHeaderFields(line: Buffer, start: number, payloadStart: number): string[] {
  // Each field is its own string (not a slice of the header): a keyed handler keeps its ID alive
  // for up to the TTL, and should not keep the whole header with it.
  const header = decodeHex(line, start, payloadStart - 2);
  const fields: string[] = [];
  let from = 0;
  for (;;) {
    const space = header.indexOf(0x20, from);
    if (space < 0) break;
    fields.push(header.toString('latin1', from, space));
    from = space + 1;
  }
  fields.push(header.toString('latin1', from));
  return fields;
}

/** Parse the header of a hex line span into fields (scan + decode). */
export function parseHexHeader(line: Buffer, start: number, end: number): ParsedHeader | string {
  const scanned = scanHexHeader(line, start, end);
  if (typeof scanned === 'string') return scanned;
  return { fields: hexHeaderFields(line, start, scanned.payloadStart), payloadStart: scanned.payloadStart };
}

/** Parse the header of a raw payload (a `.gor` file record). */
export function parseRawHeader(payload: Buffer): ParsedHeader | string {
  const nl = payload.indexOf(0x0a);
  if (nl < 0 || nl > MAX_HEADER_BYTES)
    return nl < 0 ? 'no header terminator' : `header longer than ${MAX_HEADER_BYTES} bytes`;
  const fields = splitHeader(payload.toString('latin1', 0, nl));
  return typeof fields === 'string' ? fields : { fields, payloadStart: nl + 1 };
}

function splitHeader(header: string): string[] | string {
  const fields = header.split(' ');
  if (fields.length < 3)
    return `header ${JSON.stringify(header.slice(0, 80))} has ${fields.length} field(s), expected "TYPE ID TIMESTAMP [LATENCY]"`;
  if (fields[0] === '' || fields[1] === '')
    return `header ${JSON.stringify(header.slice(0, 80))} has an empty type or ID`;
  return fields;
}

const NEWLINE_HEX = Buffer.from('0a', 'latin1');
export const NL = Buffer.from('\n', 'latin1');

/** Encode a message as the pieces of one output line (lowercase hex, `\n`-terminated). */
export function encodeLine(message: GorMessage): Buffer[] {
  const head = Buffer.from(Buffer.from(message.header, 'latin1').toString('hex'), 'latin1');
  const source = message.hexSource;
  if (source !== undefined) return [head, NEWLINE_HEX, source.line.subarray(source.start, source.end), NL];
  return [head, NEWLINE_HEX, encodeHex(message.http), NL];
}

// Payloads up to this size are hex-encoded straight into the output batch.
const INLINE_BELOW = 32 * 1024;

/** Encode a message as one output line directly into the output batch. */
export function writeLine(out: OutputBatcher, message: GorMessage): void {
  const headHex = message.headHex;
  const header = headHex === undefined ? message.header : '';
  // The header's hex ends two digits (the "0a" of its newline) before the payload's.
  const headBytes = headHex === undefined ? header.length * 2 : headHex.start - 2 - headHex.headStart;
  const source = message.hexSource;
  const http = source === undefined ? message.http : undefined;
  const inline = http !== undefined && http.length < INLINE_BELOW;
  let at = out.reserve(headBytes + 2 + (inline ? http.length * 2 + 1 : 0));
  const scratch = out.scratch;
  if (headHex === undefined) at = encodeLatin1HexInto(header, scratch, at);
  else at += headHex.line.copy(scratch, at, headHex.headStart, headHex.start - 2);
  scratch[at++] = DIGIT_0; // "0a": the header's newline
  scratch[at++] = DIGIT_A;
  if (inline) {
    at = encodeHexInto(http, scratch, at);
    scratch[at++] = 0x0a;
    out.commit(at);
    return;
  }
  out.commit(at);
  out.push(source === undefined ? encodeHex(http as Buffer) : source.line.subarray(source.start, source.end));
  out.push(NL);
}

/** Encode a message as one `.gor` file record payload (header, `\n`, raw HTTP; no separator). */
export function encodeRecord(message: GorMessage): Buffer {
  return message.toPayload();
}

/** Build one valid input line from header fields and HTTP bytes (tests, benchmarks, examples). */
export function toHexLine(header: string, http: Buffer | string): string {
  return `${Buffer.concat([Buffer.from(`${header}\n`, 'latin1'), typeof http === 'string' ? Buffer.from(http, 'latin1') : http]).toString('hex')}\n`;
}
