import { hexByte } from './hex.js';
import type { GorMessage } from './message.js';

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

/** Parse the header of a hex line span (already checked to be valid, even-length hex). */
export function parseHexHeader(line: Buffer, start: number, end: number): ParsedHeader | string {
  const limit = Math.min(end, start + MAX_HEADER_BYTES * 2);
  let at = start;
  while (at < limit && hexByte(line, at) !== 0x0a) at += 2;
  if (at >= limit) {
    return at >= end
      ? 'no header terminator (decoded payload has no "\\n" after the header)'
      : `header longer than ${MAX_HEADER_BYTES} bytes`;
  }
  const header = Buffer.from(line.toString('latin1', start, at), 'hex').toString('latin1');
  const fields = splitHeader(header);
  return typeof fields === 'string' ? fields : { fields, payloadStart: at + 2 };
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
  return [head, NEWLINE_HEX, Buffer.from(message.http.toString('hex'), 'latin1'), NL];
}

/** Encode a message as one `.gor` file record payload (header, `\n`, raw HTTP; no separator). */
export function encodeRecord(message: GorMessage): Buffer {
  return message.toPayload();
}

/** Build one valid input line from header fields and HTTP bytes (tests, benchmarks, examples). */
export function toHexLine(header: string, http: Buffer | string): string {
  return `${Buffer.concat([Buffer.from(`${header}\n`, 'latin1'), typeof http === 'string' ? Buffer.from(http, 'latin1') : http]).toString('hex')}\n`;
}
