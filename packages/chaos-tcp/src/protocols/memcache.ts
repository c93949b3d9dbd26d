import type { Prng } from '../prng.js';
import { type Expectation, LineReader, type RequestScanner, type ResponseScanner } from './scanner.js';

const STORAGE = new Set(['set', 'add', 'replace', 'append', 'prepend', 'cas']);
const RETRIEVAL = new Set(['get', 'gets', 'gat', 'gats']);
const ERRORS = /^(ERROR|CLIENT_ERROR|SERVER_ERROR)\b/;

/** memcache text protocol requests: a command line, plus a data block for storage commands. */
export class MemcacheRequestScanner implements RequestScanner {
  #lines = new LineReader();
  #skip = 0;
  #expect: Expectation = { kind: 'line' };
  broken = false;

  expectation(): Expectation {
    return this.#expect;
  }

  scan(buf: Buffer, offset: number): number {
    let i = offset;
    while (i < buf.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, buf.length - i);
        this.#skip -= n;
        i += n;
        if (this.#skip === 0) return i;
        continue;
      }
      const { line, next } = this.#lines.take(buf, i);
      i = next;
      if (line === null) {
        if (this.#lines.overflow) this.broken = true;
        return -1;
      }
      const words = line.trim().split(/\s+/);
      const command = (words[0] ?? '').toLowerCase();
      const noreply = words[words.length - 1] === 'noreply' || (command.length === 2 && words.includes('q'));
      this.#expect = noreply || command === 'quit' ? { none: true } : { kind: kindOf(command) };
      const bytes = STORAGE.has(command) ? Number(words[4]) : command === 'ms' ? Number(words[2]) : Number.NaN;
      if (Number.isInteger(bytes) && bytes >= 0) {
        this.#skip = bytes + 2;
        continue;
      }
      return i;
    }
    return -1;
  }
}

function kindOf(command: string): string {
  if (RETRIEVAL.has(command)) return 'values';
  if (command === 'stats') return 'end';
  return 'line';
}

/** memcache responses: one line, VALUE blocks up to END, or stats lines up to END. */
export class MemcacheResponseScanner implements ResponseScanner {
  #lines = new LineReader();
  #skip = 0;
  #kind = 'line';
  #doneAfterSkip = false;
  broken = false;
  readonly interim = false;

  begin(expect: Expectation): void {
    this.#kind = expect.kind ?? 'line';
  }

  scan(buf: Buffer, offset: number): number {
    let i = offset;
    while (i < buf.length) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, buf.length - i);
        this.#skip -= n;
        i += n;
        if (this.#skip === 0 && this.#doneAfterSkip) return i;
        continue;
      }
      const { line, next } = this.#lines.take(buf, i);
      i = next;
      if (line === null) {
        if (this.#lines.overflow) this.broken = true;
        return -1;
      }
      if (ERRORS.test(line) || line === 'END') return i;
      if (this.#kind === 'values' && line.startsWith('VALUE ')) {
        this.#skip = Number(line.split(' ')[3]) + 2;
        this.#doneAfterSkip = false;
        if (!Number.isInteger(this.#skip)) this.broken = true;
        continue;
      }
      if (this.#kind === 'line' && line.startsWith('VA ')) {
        this.#skip = Number(line.split(' ')[1]) + 2;
        this.#doneAfterSkip = true;
        if (!Number.isInteger(this.#skip)) this.broken = true;
        continue;
      }
      if (this.#kind === 'line') return i;
    }
    return -1;
  }
}

export function memcacheErrorReply(_rng: Prng): Buffer {
  return Buffer.from('SERVER_ERROR chaos injected error\r\n');
}
