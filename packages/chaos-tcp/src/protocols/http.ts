import type { Prng } from '../prng.js';
import { type Expectation, LineReader, MAX_LINE, type RequestScanner, type ResponseScanner } from './scanner.js';

type State = 'start' | 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'trailers' | 'close';

/**
 * HTTP/1.x framing by Content-Length / chunked coding (RFC 9112 §6.3). Only heads are read; bodies
 * are counted, never held. Upgrades and CONNECT end framing (the rest passes through).
 */
class HttpScanner {
  readonly #isResponse: boolean;
  #lines = new LineReader();
  #state: State = 'start';
  #skip = 0;
  #headBytes = 0;
  #length = -1;
  #chunked = false;
  #upgrade = false;
  #method = '';
  #status = 0;
  #expect: Expectation = {};
  broken = false;
  interim = false;

  constructor(isResponse: boolean) {
    this.#isResponse = isResponse;
  }

  begin(expect: Expectation): void {
    this.#expect = expect;
  }

  expectation(): Expectation {
    return { head: this.#method === 'HEAD' };
  }

  /** The response runs until the upstream closes (no length, not chunked). */
  get untilClose(): boolean {
    return this.#state === 'close';
  }

  scan(buf: Buffer, offset: number): number {
    let i = offset;
    while (i < buf.length) {
      switch (this.#state) {
        case 'close':
          return -1;
        case 'length':
        case 'chunk-data': {
          const n = Math.min(this.#skip, buf.length - i);
          this.#skip -= n;
          i += n;
          if (this.#skip > 0) return -1;
          if (this.#state === 'length') return this.#done(i);
          this.#state = 'chunk-size';
          continue;
        }
        default: {
          const { line, next } = this.#lines.take(buf, i);
          this.#headBytes += next - i;
          i = next;
          if (line === null || this.#headBytes > MAX_LINE) {
            if (this.#lines.overflow || this.#headBytes > MAX_LINE) this.broken = true;
            return -1;
          }
          const end = this.#line(line);
          if (end) return this.#done(i);
        }
      }
    }
    return -1;
  }

  #done(offset: number): number {
    this.#state = 'start';
    this.#headBytes = 0;
    if (this.#upgrade) this.broken = true;
    return offset;
  }

  /** Handle one line; true when the message ends with it. */
  #line(line: string): boolean {
    switch (this.#state) {
      case 'start':
        if (line === '') return false; // stray CRLF between messages
        this.#length = -1;
        this.#chunked = false;
        this.#upgrade = false;
        this.interim = false;
        if (this.#isResponse) {
          this.#status = Number(line.split(' ')[1]);
          if (!Number.isInteger(this.#status)) this.broken = true;
        } else this.#method = line.split(' ')[0] ?? '';
        this.#state = 'head';
        return false;
      case 'head': {
        if (line !== '') {
          const colon = line.indexOf(':');
          const name = line.slice(0, colon).trim().toLowerCase();
          const value = line
            .slice(colon + 1)
            .trim()
            .toLowerCase();
          if (name === 'content-length') this.#length = Number(value);
          else if (name === 'transfer-encoding') this.#chunked = value.split(',').pop()?.trim() === 'chunked';
          else if (name === 'upgrade' && !this.#isResponse) this.#upgrade = true;
          return false;
        }
        return this.#afterHead();
      }
      case 'chunk-size': {
        const size = Number.parseInt(line.split(';')[0] ?? '', 16);
        if (!Number.isFinite(size) || size < 0) {
          this.broken = true;
          return false;
        }
        if (size === 0) this.#state = 'trailers';
        else {
          this.#skip = size + 2;
          this.#state = 'chunk-data';
        }
        return false;
      }
      case 'trailers':
        return line === '';
      default:
        return false;
    }
  }

  #afterHead(): boolean {
    if (this.#isResponse) {
      const status = this.#status;
      if (status === 101) {
        this.#upgrade = true;
        return true;
      }
      if (status >= 100 && status < 200) {
        this.interim = true;
        return true;
      }
      if (this.#expect.head || status === 204 || status === 304) return true;
    } else if (this.#method === 'CONNECT') {
      this.#upgrade = true;
      return true;
    }
    if (this.#chunked) {
      this.#state = 'chunk-size';
      return false;
    }
    if (this.#length > 0 && Number.isSafeInteger(this.#length)) {
      this.#skip = this.#length;
      this.#state = 'length';
      return false;
    }
    if (this.#length === -1 && this.#isResponse) {
      this.#state = 'close';
      return false;
    }
    return true;
  }
}

export class HttpRequestScanner extends HttpScanner implements RequestScanner {
  constructor() {
    super(false);
  }
}

export class HttpResponseScanner extends HttpScanner implements ResponseScanner {
  constructor() {
    super(true);
  }
}

const ERROR_STATUSES = [
  [500, 'Internal Server Error'],
  [502, 'Bad Gateway'],
  [503, 'Service Unavailable'],
  [504, 'Gateway Timeout'],
] as const;

export function httpErrorReply(rng: Prng): Buffer {
  const [status, reason] = ERROR_STATUSES[rng.int(ERROR_STATUSES.length)]!;
  const body = `chaos: injected ${status}\n`;
  return Buffer.from(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\nx-chaos-behavior: error\r\n\r\n${body}`,
  );
}
