import { STATUS_CODES } from 'node:http';
import { HttpMessage, TrafficError } from '@traffic/core';

/**
 * HTTP helpers with the names of goreplay's Node library. Each takes the raw HTTP bytes
 * (`msg.http`) and getters return values, setters a new Buffer (the input when nothing changes).
 * Built on core's HttpMessage: header names are case-insensitive, lookups stop at the end of the
 * head, bare-LF heads and reason-less status lines parse, untouched bytes stay identical.
 */
const PARSE = { allowPartial: true } as const;

function view(payload: Buffer): HttpMessage | undefined {
  try {
    return HttpMessage.parse(asBuffer(payload), PARSE);
  } catch {
    return undefined;
  }
}

function edit(payload: Buffer): HttpMessage {
  return HttpMessage.parse(asBuffer(payload), PARSE);
}

function asBuffer(payload: Buffer | string): Buffer {
  return typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
}

/** The request method ("GET"), or "" for a response or unparseable bytes. */
export function httpMethod(payload: Buffer): string {
  const message = view(payload);
  return message?.kind === 'request' ? message.method : '';
}

/** The request target as sent (path and query), or "". */
export function httpPath(payload: Buffer): string {
  const message = view(payload);
  return message?.kind === 'request' ? message.target : '';
}

/** Replace the request target (path and query). */
export function setHttpPath(payload: Buffer, path: string): Buffer {
  return edit(payload).setTarget(String(path)).bytes;
}

/** A query parameter by exact name, percent-decoded ("+" is a space); undefined when absent. */
export function httpPathParam(payload: Buffer, name: string): string | undefined {
  const message = view(payload);
  if (message?.kind !== 'request') return undefined;
  return getParam(message.query, name);
}

/** Set a query parameter (the first of that name), percent-encoding the value; appended when absent. */
export function setHttpPathParam(payload: Buffer, name: string, value: string | number): Buffer {
  const message = edit(payload);
  const query = message.query;
  const next = setParam(query, name, String(value));
  if (next === query) return message.bytes;
  return message.setTarget(`${message.path}?${next}`).bytes;
}

/** The status code as a string ("200"), like goreplay's; "" when the bytes are not a response. */
export function httpStatus(payload: Buffer): string {
  const message = view(payload);
  return message?.kind === 'response' ? String(message.status) : '';
}

/** Set the status code; a standard reason phrase follows the code, a custom one is kept. */
export function setHttpStatus(payload: Buffer, status: number | string): Buffer {
  const message = edit(payload);
  const code = Number(status);
  const reason =
    message.reason === '' || message.reason !== STATUS_CODES[message.status]
      ? message.reason
      : (STATUS_CODES[code] ?? message.reason);
  return message.setStatus(code, reason).bytes;
}

/** A header found by httpHeader: the value plus where its line sits in the payload. */
export interface HeaderMatch {
  /** The name as on the wire. */
  name: string;
  value: string;
  /** Offset of the header line. */
  start: number;
  /** Offset of the first value byte. */
  valueStart: number;
  /** Offset just past the line's terminator. */
  end: number;
  /** The value, so `tokens[gor.httpHeader(p, 'X')]` and template strings work as with a string. */
  toString(): string;
}

/** The first header of that name (case-insensitive), or undefined. */
export function httpHeader(payload: Buffer, name: string): HeaderMatch | undefined {
  const message = view(payload);
  if (message === undefined) return undefined;
  const lower = String(name).toLowerCase();
  const field = message.headers.find((f) => f.name.toLowerCase() === lower);
  if (field === undefined) return undefined;
  const bytes = message.bytes;
  let valueStart = field.start + field.name.length + 1;
  while (bytes[valueStart] === 0x20 || bytes[valueStart] === 0x09) valueStart++;
  const value = field.value;
  return { name: field.name, value, start: field.start, valueStart, end: field.end, toString: () => value };
}

/** Every header as an object keyed by the first spelling seen; repeated fields joined with ", ". */
export function httpHeaders(payload: Buffer): Record<string, string> {
  const message = view(payload);
  const out: Record<string, string> = {};
  if (message === undefined) return out;
  const names = new Map<string, string>();
  for (const field of message.headers) {
    const lower = field.name.toLowerCase();
    const key = names.get(lower);
    if (key === undefined) {
      names.set(lower, field.name);
      out[field.name] = field.value;
    } else out[key] = `${out[key]}, ${field.value}`;
  }
  return out;
}

/** Set a header: the first field of that name keeps its place and spelling, duplicates go. */
export function setHttpHeader(payload: Buffer, name: string, value: string | number): Buffer {
  // Not parsed first: setHeader checks the whole head but builds only the fields of that name.
  return new HttpMessage(asBuffer(payload), PARSE).setHeader(String(name), String(value)).bytes;
}

/** Remove every field of that name. */
export function deleteHttpHeader(payload: Buffer, name: string): Buffer {
  return edit(payload).removeHeader(String(name)).bytes;
}

/** The body exactly as framed on the wire (possibly chunked or compressed). */
export function httpBody(payload: Buffer): Buffer {
  const message = view(payload);
  return message === undefined ? Buffer.alloc(0) : message.body;
}

/** Replace the body: chunked framing is dropped and Content-Length set to the new length. */
export function setHttpBody(payload: Buffer, body: Buffer | string): Buffer {
  return edit(payload).setBody(typeof body === 'string' ? Buffer.from(body) : body).bytes;
}

/** A form field of an urlencoded body by exact name, percent-decoded; undefined when absent. */
export function httpBodyParam(payload: Buffer, name: string): string | undefined {
  const message = view(payload);
  if (message === undefined) return undefined;
  return getParam(bodyText(message), name);
}

/** Set a form field of an urlencoded body (appended when absent); Content-Length follows. */
export function setHttpBodyParam(payload: Buffer, name: string, value: string | number): Buffer {
  const message = edit(payload);
  const body = bodyText(message);
  const next = setParam(body, name, String(value));
  return next === body ? message.bytes : message.setBody(Buffer.from(next, 'latin1')).bytes;
}

/** A cookie of the Cookie header(s) by exact name (`a=b; c=d` and `a=b;c=d`), or undefined. */
export function httpCookie(payload: Buffer, name: string): string | undefined {
  const message = view(payload);
  if (message === undefined) return undefined;
  for (const pair of cookiePairs(message)) if (pair.name === name) return pair.value;
  return undefined;
}

/** Set a cookie (replacing the first of that name, else appended); no change when already set. */
export function setHttpCookie(payload: Buffer, name: string, value: string | number): Buffer {
  const text = String(value);
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name) || /[;,\s"\\\0-\x1f\x7f]/.test(text)) {
    throw new TrafficError(
      'TRAFFIC_ERR_GOR_INVALID_COOKIE',
      `invalid cookie ${JSON.stringify(name)}=${JSON.stringify(text.slice(0, 40))}: the name must be a token and the value must not contain ; , " \\ spaces or control bytes`,
    );
  }
  const message = edit(payload);
  const pairs = cookiePairs(message);
  const found = pairs.find((pair) => pair.name === name);
  if (found?.value === text) return message.bytes;
  if (found !== undefined) found.value = text;
  else pairs.push({ name, value: text, raw: undefined });
  return message.setHeader('Cookie', joinCookies(pairs)).bytes;
}

/** Remove a cookie; the Cookie header goes when it was the last one. */
export function deleteHttpCookie(payload: Buffer, name: string): Buffer {
  const message = view(payload);
  if (message === undefined) return asBuffer(payload);
  const pairs = cookiePairs(message);
  const rest = pairs.filter((pair) => pair.name !== name);
  if (rest.length === pairs.length) return message.bytes;
  return rest.length === 0
    ? message.removeHeader('Cookie').bytes
    : message.setHeader('Cookie', joinCookies(rest)).bytes;
}

/** The body with chunked framing removed (the body as is when not chunked). */
export function decodeChunked(payload: Buffer): Buffer {
  return edit(payload).decodedBody();
}

/** The body with chunked framing and every Content-Encoding (gzip, deflate, br) removed. */
export function decompressBody(payload: Buffer): Buffer {
  return edit(payload).decompressedBody();
}

// --- query strings, form bodies and cookies ---

function bodyText(message: HttpMessage): string {
  return message.decodedBody().toString('latin1');
}

/** Percent-decode ("+" as space); malformed escapes are kept as written instead of throwing. */
export function safeDecode(text: string): string {
  const plus = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

function getParam(query: string, name: string): string | undefined {
  if (query === '') return undefined;
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const key = safeDecode(eq < 0 ? part : part.slice(0, eq));
    if (key === name) return eq < 0 ? '' : safeDecode(part.slice(eq + 1));
  }
  return undefined;
}

function setParam(query: string, name: string, value: string): string {
  const encoded = `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
  if (query === '') return encoded;
  const parts = query.split('&');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const eq = part.indexOf('=');
    if (safeDecode(eq < 0 ? part : part.slice(0, eq)) !== name) continue;
    if (eq >= 0 && safeDecode(part.slice(eq + 1)) === value) return query;
    parts[i] = encoded;
    return parts.join('&');
  }
  return `${query}&${encoded}`;
}

interface CookiePair {
  name: string;
  value: string;
  /** The pair as written, reused when unchanged; undefined for a new pair. */
  raw: string | undefined;
}

function cookiePairs(message: HttpMessage): CookiePair[] {
  const pairs: CookiePair[] = [];
  for (const header of message.headerValues('cookie')) {
    for (const piece of header.split(';')) {
      const raw = piece.trim();
      if (raw === '') continue;
      const eq = raw.indexOf('=');
      pairs.push({
        name: eq < 0 ? '' : raw.slice(0, eq).trim(),
        value: eq < 0 ? raw : raw.slice(eq + 1).trim(),
        raw,
      });
    }
  }
  return pairs;
}

function joinCookies(pairs: readonly CookiePair[]): string {
  return pairs
    .map((pair) =>
      pair.raw !== undefined && pair.raw === `${pair.name}=${pair.value}`
        ? pair.raw
        : pair.name === ''
          ? pair.value
          : `${pair.name}=${pair.value}`,
    )
    .join('; ');
}
