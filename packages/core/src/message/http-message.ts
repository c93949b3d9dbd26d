import { TrafficError } from '../errors.js';
import { allocSmall } from '../small-buffers.js';
import { decodeChunked } from './chunked.js';
import { decodeContentEncoding } from './content-encoding.js';
import type { HeaderField, MessageKind, ParsedHead, ParseOptions } from './head.js';
import { parseHead, parseHeadFor } from './head.js';

/**
 * One HTTP/1.x request or response as bytes, with a lazily parsed view. Lookups are
 * case-insensitive; mutators return a new HttpMessage and copy every byte they do not change.
 * A mutator that would change nothing returns `this`.
 */
export interface BodyLimit {
  /** Refuse to produce more than this many bytes (default 64 MiB). */
  maxBytes?: number;
}

export class HttpMessage {
  readonly bytes: Buffer;
  readonly #options: ParseOptions;
  #head: ParsedHead | undefined;

  constructor(bytes: Buffer, options: ParseOptions = {}) {
    this.bytes = bytes;
    this.#options = options;
  }

  /**
   * Parse now (throws a coded TrafficError on a bad head) instead of on first access. A string is
   * read as latin1 (one byte per character, the inverse of toString()); a string holding characters
   * above U+00FF cannot be latin1, so it is encoded as UTF-8 rather than truncated.
   */
  static parse(bytes: Buffer | string, options: ParseOptions = {}): HttpMessage {
    const message = new HttpMessage(
      typeof bytes === 'string' ? Buffer.from(bytes, BEYOND_LATIN1.test(bytes) ? 'utf8' : 'latin1') : bytes,
      options,
    );
    message.head;
    return message;
  }

  /** The parsed head (parsed on first use). */
  get head(): ParsedHead {
    this.#head ??= parseHead(this.bytes, this.#options);
    return this.#head;
  }

  get kind(): MessageKind {
    return this.head.kind;
  }
  get method(): string {
    return this.head.method;
  }
  /** The request target exactly as sent (path and query, or an absolute URL). */
  get target(): string {
    return this.head.target;
  }
  /** The target without its query string. */
  get path(): string {
    const target = this.head.target;
    const question = target.indexOf('?');
    return question < 0 ? target : target.slice(0, question);
  }
  /** The raw query string without '?', or '' when there is none. */
  get query(): string {
    const target = this.head.target;
    const question = target.indexOf('?');
    return question < 0 ? '' : target.slice(question + 1);
  }
  get version(): string {
    return this.head.version;
  }
  get status(): number {
    return this.head.status;
  }
  get reason(): string {
    return this.head.reason;
  }
  get headers(): readonly HeaderField[] {
    return this.head.headers;
  }
  /** The head bytes, start line through the empty line. */
  get headBytes(): Buffer {
    return this.bytes.subarray(0, this.head.bodyStart);
  }
  /** The body exactly as framed on the wire (still chunked and compressed, if it was). */
  get body(): Buffer {
    return this.bytes.subarray(this.head.bodyStart);
  }

  /** First value of a header (case-insensitive), or undefined. */
  header(name: string): string | undefined {
    const lower = name.toLowerCase();
    // Comparing lengths first skips most lower-casing (and its allocation).
    for (const field of this.head.headers)
      if (field.name.length === lower.length && field.name.toLowerCase() === lower) return field.value;
    return undefined;
  }

  /** Every value of a header, in order (a field repeated or not). */
  headerValues(name: string): string[] {
    const lower = name.toLowerCase();
    const values: string[] = [];
    for (const field of this.head.headers)
      if (field.name.length === lower.length && field.name.toLowerCase() === lower) values.push(field.value);
    return values;
  }

  hasHeader(name: string): boolean {
    return this.header(name) !== undefined;
  }

  /** True when the last transfer coding is chunked. */
  get isChunked(): boolean {
    const codings = this.headerValues('transfer-encoding').join(',').split(',');
    return codings.at(-1)?.trim().toLowerCase() === 'chunked';
  }

  /** The body with chunked framing removed (the same bytes when not chunked). */
  decodedBody(options: BodyLimit & { allowPartial?: boolean } = {}): Buffer {
    if (!this.isChunked) return this.body;
    return decodeChunked(this.body, options).body;
  }

  /** The body with chunked framing and every content-encoding removed. */
  decompressedBody(options: BodyLimit & { allowPartial?: boolean } = {}): Buffer {
    return decodeContentEncoding(
      this.decodedBody(options),
      this.headerValues('content-encoding').join(',') || undefined,
      options,
    );
  }

  /** Set a header to one value: the first field keeps its place and name case, later duplicates go. */
  setHeader(name: string, value: string): HttpMessage {
    assertHeaderText(name, value);
    const lower = name.toLowerCase();
    // Not parsed yet: check the head but build only the fields of this name (the usual
    // "set one header on a fresh message" edit need not build every header).
    const head = this.#head ?? parseHeadFor(this.bytes, this.#options, lower);
    const edits: Edit[] = [];
    let first: HeaderField | undefined;
    for (const field of head.headers) {
      if (field.name.length !== lower.length || field.name.toLowerCase() !== lower) continue;
      if (first === undefined) first = field;
      else edits.push({ start: field.start, end: field.end, text: '' });
    }
    if (first === undefined) return this.#append(name, value, head);
    if (edits.length === 0 && first.value === value) return this;
    edits.unshift({ start: first.start, end: first.end, text: `${first.name}: ${value}${head.newline}` });
    return this.#edit(edits);
  }

  /** Add a header line at the end of the head (existing fields of that name stay). */
  appendHeader(name: string, value: string): HttpMessage {
    assertHeaderText(name, value);
    return this.#append(name, value);
  }

  #append(name: string, value: string, head: ParsedHead = this.head): HttpMessage {
    const at = head.headersEnd;
    // A partial head (allowPartial) may end inside a line: end that line first.
    const lead = !head.complete && at > 0 && this.bytes[at - 1] !== 0x0a ? head.newline : '';
    return this.#edit([{ start: at, end: at, text: `${lead}${name}: ${value}${head.newline}` }]);
  }

  /** Remove every field of that name; returns `this` when there is none. */
  removeHeader(name: string): HttpMessage {
    const lower = name.toLowerCase();
    const edits = this.head.headers
      .filter((field) => field.name.toLowerCase() === lower)
      .map((field) => ({ start: field.start, end: field.end, text: '' }));
    return edits.length === 0 ? this : this.#edit(edits);
  }

  /** Replace the request line's method. */
  setMethod(method: string): HttpMessage {
    if (!HEADER_NAME.test(method)) {
      throw new TrafficError(
        'TRAFFIC_ERR_HTTP_INVALID_START_LINE',
        `invalid method ${JSON.stringify(method)}: must be an RFC 9110 token`,
      );
    }
    return this.#setStartLine(`${method} ${this.target} ${this.version}`, 'request');
  }

  /** Replace the request target (path and query) exactly as given. */
  setTarget(target: string): HttpMessage {
    if (target === '' || /[\s]/.test(target) || BEYOND_LATIN1.test(target)) {
      throw new TrafficError(
        'TRAFFIC_ERR_HTTP_INVALID_START_LINE',
        `invalid request target ${JSON.stringify(target)}: must be non-empty, with no whitespace and no character above U+00FF`,
      );
    }
    return this.#setStartLine(`${this.method} ${target} ${this.version}`, 'request');
  }

  /** Replace the status code; the reason phrase is kept unless one is given. */
  setStatus(status: number, reason: string = this.reason): HttpMessage {
    if (!Number.isInteger(status) || status < 100 || status > 999) {
      throw new TrafficError(
        'TRAFFIC_ERR_HTTP_INVALID_START_LINE',
        `invalid status ${status}: expected a three-digit number`,
      );
    }
    if (/[\0\r\n]/.test(reason) || BEYOND_LATIN1.test(reason)) {
      throw new TrafficError(
        'TRAFFIC_ERR_HTTP_INVALID_START_LINE',
        `invalid reason phrase ${JSON.stringify(reason)}: CR, LF, NUL and characters above U+00FF are not allowed`,
      );
    }
    if (status === this.status && reason === this.reason && this.kind === 'response') return this;
    return this.#setStartLine(`${this.version} ${status}${reason === '' ? '' : ` ${reason}`}`, 'response');
  }

  /**
   * Replace the body. Transfer-Encoding is removed (the new body is sent as given, with
   * Content-Length: RFC 9112 §6.2 forbids both headers together) and Content-Length is set to the
   * new length. Content-Encoding is left alone: pass a body that matches it, or remove it.
   */
  setBody(body: Buffer | string): HttpMessage {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const head = this.head;
    if (!head.complete) {
      throw new TrafficError(
        'TRAFFIC_ERR_HTTP_TRUNCATED_HEAD',
        'cannot set the body of a message whose head has no closing empty line (parsed with allowPartial)',
      );
    }
    const edits: Edit[] = [];
    let lengthSet = false;
    for (const field of head.headers) {
      const lower = field.name.toLowerCase();
      if (lower === 'transfer-encoding') {
        edits.push({ start: field.start, end: field.end, text: '' });
      } else if (lower === 'content-length') {
        edits.push({
          start: field.start,
          end: field.end,
          text: lengthSet ? '' : `${field.name}: ${bytes.length}${head.newline}`,
        });
        lengthSet = true;
      }
    }
    if (!lengthSet && (bytes.length > 0 || this.body.length > 0)) {
      edits.push({
        start: head.headersEnd,
        end: head.headersEnd,
        text: `Content-Length: ${bytes.length}${head.newline}`,
      });
    }
    edits.push({ start: head.bodyStart, end: this.bytes.length, bytes });
    return this.#edit(edits);
  }

  toBuffer(): Buffer {
    return this.bytes;
  }

  toString(): string {
    return this.bytes.toString('latin1');
  }

  #setStartLine(line: string, kind: MessageKind): HttpMessage {
    if (this.kind !== kind) {
      throw new TrafficError('TRAFFIC_ERR_HTTP_WRONG_KIND', `cannot change the ${kind} line of a ${this.kind}`);
    }
    const head = this.head;
    let end = head.startLineEnd;
    if (this.bytes[end - 1] === 0x0a) end--;
    if (this.bytes[end - 1] === 0x0d) end--;
    const current = this.bytes.toString('latin1', head.startLineStart, end);
    if (current === line) return this;
    return this.#edit([{ start: head.startLineStart, end, text: line }]);
  }

  #edit(edits: Edit[]): HttpMessage {
    if (edits.length > 1) edits.sort((a, b) => a.start - b.start || a.end - b.end);
    const source = this.bytes;
    // One pass to size the result, one to fill it: a single allocation, no intermediate Buffers.
    let size = 0;
    let pos = 0;
    for (const edit of edits) {
      if (edit.start > pos) size += edit.start - pos;
      size += edit.bytes === undefined ? (edit.text ?? '').length : edit.bytes.length;
      pos = Math.max(pos, edit.end);
    }
    if (pos < source.length) size += source.length - pos;
    const bytes = allocSmall(size);
    let at = 0;
    pos = 0;
    for (const edit of edits) {
      if (edit.start > pos) at += source.copy(bytes, at, pos, edit.start);
      at = edit.bytes === undefined ? writeLatin1(bytes, edit.text ?? '', at) : at + edit.bytes.copy(bytes, at);
      pos = Math.max(pos, edit.end);
    }
    if (pos < source.length) source.copy(bytes, at, pos);
    // An edit that rewrote bytes to themselves changes nothing: keep the promise to return `this`.
    return size === source.length && bytes.equals(source) ? this : new HttpMessage(bytes, this.#options);
  }
}

/** Write a latin1 string's char codes at `at` (a loop beats Buffer#write for header-sized text). */
function writeLatin1(target: Buffer, text: string, at: number): number {
  for (let i = 0; i < text.length; i++) target[at + i] = text.charCodeAt(i);
  return at + text.length;
}

interface Edit {
  start: number;
  end: number;
  text?: string;
  bytes?: Buffer;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BEYOND_LATIN1 = /[^\u0000-\u00ff]/;

// The last pair that passed: handlers usually set the same header on every message.
let checkedName: string | undefined;
let checkedValue: string | undefined;

function assertHeaderText(name: string, value: string): void {
  if (name === checkedName && value === checkedValue) return;
  if (!HEADER_NAME.test(name)) {
    throw new TrafficError(
      'TRAFFIC_ERR_HTTP_INVALID_HEADER',
      `invalid header name ${JSON.stringify(name)}: must be an RFC 9110 token`,
    );
  }
  if (/[\0\r\n]/.test(value) || BEYOND_LATIN1.test(value)) {
    // Values are read as latin1 (header() returns one character per byte), so they are written
    // the same way; a character above U+00FF would be silently truncated: encode it first.
    throw new TrafficError(
      'TRAFFIC_ERR_HTTP_INVALID_HEADER',
      `invalid value for header ${name}: CR, LF, NUL and characters above U+00FF are not allowed (encode UTF-8 text with Buffer.from(text).toString('latin1'))`,
    );
  }
  checkedName = name;
  checkedValue = value;
}
