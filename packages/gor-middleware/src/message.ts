import { HookEvent } from '@traffic/core';
import { decodeHex } from './hex-codec.js';
import { hexHeaderFields } from './protocol.js';

/**
 * One GoReplay message: the header fields (`type ID timestamp latency ...`) and the raw HTTP bytes.
 * Field names follow goreplay's Node library (`type`, `ID`, `meta`, `rawMeta`, `http`). The payload
 * is decoded from hex only when a handler reads `http`, and the engine echoes the original line
 * bytes when nothing was read or assigned, so passthrough never decodes or re-encodes a payload.
 */
export const MESSAGE_TYPES: Readonly<Record<string, GorChannel>> = Object.freeze({
  '1': 'request',
  '2': 'response',
  '3': 'replay',
});

export type GorChannel = 'request' | 'response' | 'replay';

/** Where the payload comes from: a hex span of an input line, or raw bytes. */
interface HexSource {
  line: Buffer;
  start: number;
  end: number;
  /** Where the header's hex starts in `line` (it ends 2 digits before `start`), when known. */
  headStart?: number;
}

// fromLine's marker for "fields not decoded yet" (no arrays built for them per message).
const UNDECODED: readonly string[] = [];

// A HookEvent so core's HookRegistry can hand the message itself to keyed handlers (no wrapper
// closure per keyed handler: thousands of them may be alive).
export class GorMessage extends HookEvent {
  #type: string;
  // ID and the fields after it are decoded from the line's header hex on first use (most handlers
  // never read the timestamp, and a type-only handler never reads the ID).
  #id: string | undefined;
  #rest: string[] | undefined;
  #headDirty = false;
  #http: Buffer | undefined;
  #hex: HexSource | undefined;
  /** The input line this message was read from (kept after the payload is decoded). */
  #origin: HexSource | undefined;
  /** True once `http` was read (a handler may edit the bytes in place) or assigned. */
  #httpTouched = false;
  #httpReplaced = false;
  /** Input line number (1-based) when the message came from a line; 0 otherwise. */
  lineNumber = 0;

  constructor(fields: readonly string[], http: Buffer | HexSource) {
    super();
    this.#type = fields[0] ?? '';
    if (fields !== UNDECODED) {
      this.#id = fields[1] ?? '';
      this.#rest = fields.slice(2);
    }
    if (Buffer.isBuffer(http)) this.#http = http;
    else {
      this.#hex = http;
      if (http.headStart !== undefined) this.#origin = http;
    }
  }

  /** A message over an input line whose header was scanned but not decoded; `type` is its first field. */
  static fromLine(source: Required<HexSource>, type: string): GorMessage {
    const message = new GorMessage(UNDECODED, source);
    message.#type = type;
    return message;
  }

  /** Decode the header fields after the type, once. */
  #fields(): string[] {
    if (this.#rest === undefined) {
      const origin = this.#origin as Required<HexSource>;
      const fields = hexHeaderFields(origin.line, origin.headStart, origin.start);
      this.#id = fields[1] ?? '';
      this.#rest = fields.slice(2);
    }
    return this.#rest;
  }

  /** Build a message from header fields and HTTP bytes (for tests and synthetic traffic). */
  static create(type: string, id: string, http: Buffer | string, timestamp = '0', latency = '0'): GorMessage {
    return new GorMessage(
      [type, id, timestamp, latency],
      typeof http === 'string' ? Buffer.from(http, 'latin1') : http,
    );
  }

  /** "1" request, "2" original response, "3" replayed response (others are passed through). */
  get type(): string {
    return this.#type;
  }
  set type(value: string) {
    this.#type = String(value);
    this.#headDirty = true;
  }
  get ID(): string {
    this.#fields();
    return this.#id as string;
  }
  set ID(value: string) {
    this.#fields();
    this.#id = String(value);
    this.#headDirty = true;
  }
  /** Alias of `ID`. */
  get id(): string {
    return this.ID;
  }
  set id(value: string) {
    this.ID = value;
  }
  get timestamp(): string {
    return this.#fields()[0] ?? '';
  }
  set timestamp(value: string) {
    this.#fields()[0] = String(value);
    this.#headDirty = true;
  }
  /** Latency in ns as sent by gor ("-1" when unknown; absent with 3-field headers). */
  get latency(): string | undefined {
    return this.#fields()[1];
  }
  set latency(value: string | undefined) {
    const rest = this.#fields();
    if (value === undefined) rest.length = Math.min(rest.length, 1);
    else rest[1] = String(value);
    this.#headDirty = true;
  }
  /** The channel of this message's type, or undefined for an unknown type. */
  get channel(): GorChannel | undefined {
    return MESSAGE_TYPES[this.#type];
  }
  /** Every header field as a new array: [type, ID, timestamp, latency, ...]. Assign to change them. */
  get meta(): string[] {
    const rest = this.#fields();
    return [this.#type, this.#id as string, ...rest];
  }
  set meta(fields: readonly string[]) {
    this.#type = String(fields[0] ?? '');
    this.#id = String(fields[1] ?? '');
    this.#rest = fields.slice(2).map(String);
    this.#headDirty = true;
  }
  /** The header line as written (without its `\n`). */
  get header(): string {
    return this.meta.join(' ');
  }
  /** The header as bytes (goreplay's `rawMeta`). */
  get rawMeta(): Buffer {
    return Buffer.from(this.header, 'latin1');
  }
  /** The raw HTTP bytes (decoded from hex on first read). */
  get http(): Buffer {
    this.#httpTouched = true;
    if (this.#http === undefined) {
      const hex = this.#hex as HexSource;
      this.#http = decodeHex(hex.line, hex.start, hex.end);
      this.#hex = undefined;
    }
    return this.#http;
  }
  set http(value: Buffer) {
    this.#http = typeof value === 'string' ? Buffer.from(value as string) : value;
    this.#hex = undefined;
    this.#httpTouched = true;
    this.#httpReplaced = true;
  }

  /** @internal true when the header fields were assigned. */
  get headChanged(): boolean {
    return this.#headDirty;
  }
  /** @internal true when `http` was read or assigned (so the original line can't be trusted). */
  get httpTouched(): boolean {
    return this.#httpTouched;
  }
  /** @internal true when `http` was assigned. */
  get httpReplaced(): boolean {
    return this.#httpReplaced;
  }

  /**
   * @internal the input line: its header's lowercase hex is [headStart, start - 2), its payload's
   * [start, end). Undefined for messages not read from a line.
   */
  get lineSource(): Required<HexSource> | undefined {
    return this.#origin as Required<HexSource> | undefined;
  }

  /** @internal the input line, while no header field was assigned (its header hex can be reused). */
  get headHex(): Required<HexSource> | undefined {
    return this.#headDirty ? undefined : (this.#origin as Required<HexSource> | undefined);
  }

  /** @internal the payload as a lowercase hex span without decoding, when still untouched. */
  get hexSource(): HexSource | undefined {
    return this.#httpTouched ? undefined : this.#hex;
  }

  /** The payload as gor reads it: header, `\n`, HTTP bytes. */
  toPayload(): Buffer {
    return Buffer.concat([Buffer.from(`${this.header}\n`, 'latin1'), this.http]);
  }
}
