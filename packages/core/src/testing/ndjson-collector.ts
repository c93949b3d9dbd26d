import { Writable } from 'node:stream';

/** A Writable sink that splits NDJSON into parsed records (and keeps lines that are not JSON). */
export class NdjsonCollector extends Writable {
  readonly records: Record<string, unknown>[] = [];
  readonly invalidLines: string[] = [];
  #partial = '';

  constructor() {
    super({ decodeStrings: false });
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    callback();
  }

  /** Feed text directly (also what write() does). Complete lines are parsed at once. */
  push(text: string): void {
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        this.records.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        this.invalidLines.push(line);
      }
    }
  }

  /** Wait until at least `count` records arrived (polls every 5 ms, up to timeoutMs). */
  async waitFor(count: number, timeoutMs = 5000): Promise<Record<string, unknown>[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.records.length < count) {
      if (Date.now() > deadline)
        throw new Error(`expected ${count} NDJSON records, got ${this.records.length} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return this.records;
  }
}
