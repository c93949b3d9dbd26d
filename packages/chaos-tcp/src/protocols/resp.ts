import type { Prng } from '../prng.js';
import { LineReader, type RequestScanner, type ResponseScanner } from './scanner.js';

/**
 * RESP2/RESP3 (and inline commands): one value per message. `pending` counts values still to read;
 * aggregates add their elements, bulk strings skip their payload.
 */
export class RespScanner implements RequestScanner, ResponseScanner {
  #pending = 0;
  #skip = 0;
  #lines = new LineReader();
  broken = false;
  readonly interim = false;

  begin(): void {}

  expectation() {
    return {};
  }

  scan(buf: Buffer, offset: number): number {
    let i = offset;
    if (this.#pending === 0 && this.#skip === 0) this.#pending = 1;
    while (i < buf.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, buf.length - i);
        this.#skip -= n;
        i += n;
        if (this.#skip === 0 && --this.#pending === 0) return i;
        continue;
      }
      const { line, next } = this.#lines.take(buf, i);
      i = next;
      if (line === null) {
        if (this.#lines.overflow) this.broken = true;
        return -1;
      }
      this.#value(line);
      if (this.#pending === 0) return i;
    }
    return -1;
  }

  #value(line: string): void {
    const type = line[0];
    const n = Number.parseInt(line.slice(1), 10);
    const count = Number.isFinite(n) && n > 0 ? n : 0;
    switch (type) {
      case '*':
      case '~':
      case '>':
        this.#pending += count - 1;
        return;
      case '%':
        this.#pending += 2 * count - 1;
        return;
      case '|':
        // An attribute map precedes the value it annotates.
        this.#pending += 2 * count;
        return;
      case '$':
      case '!':
      case '=':
        if (Number.isFinite(n) && n >= 0) this.#skip = n + 2;
        else this.#pending--;
        return;
      default:
        // Simple types, and inline commands ("PING\r\n") on the request side.
        this.#pending--;
    }
  }
}

export function redisErrorReply(_rng: Prng): Buffer {
  return Buffer.from('-ERR chaos: injected error\r\n');
}
