import type { IncomingMessage } from 'node:http';

/**
 * The client's request body: streamed to the master, and copied for shadows up to a cap. The copy
 * is taken while the master consumes the body (no listener of our own on the stream, so nothing
 * flows before the master's socket is ready). Past the cap the copy is released and marked too
 * large; the master still gets every byte.
 */
export function hasRequestBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

export class BodyCopy {
  readonly #cap: number;
  #chunks: Buffer[] = [];
  #bytes = 0;
  tooLarge = false;
  #done: ((body: Buffer | undefined, error?: Error) => void) | undefined;

  constructor(cap: number, done: (body: Buffer | undefined, error?: Error) => void) {
    this.#cap = cap;
    this.#done = done;
  }

  /** An async iterable undici streams to the master; copies as it goes. */
  async *tee(source: IncomingMessage): AsyncGenerator<Buffer> {
    let ended = false;
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        if (!this.tooLarge) {
          if (this.#bytes + chunk.length > this.#cap) {
            this.tooLarge = true;
            this.#chunks = [];
          } else {
            this.#chunks.push(chunk);
          }
        }
        this.#bytes += chunk.length;
        yield chunk;
      }
      ended = true;
    } catch (error) {
      this.#finish(undefined, error as Error);
      throw error;
    } finally {
      // undici stopped reading (the master answered early or failed): the copy is incomplete.
      if (!ended) this.#finish(undefined, new Error('the request body was not read to its end'));
    }
    this.#finish(this.tooLarge ? undefined : Buffer.concat(this.#chunks, this.#bytes));
  }

  /** Read the whole body (up to the cap) without a master: for the race mode. */
  async collect(source: IncomingMessage): Promise<void> {
    try {
      for await (const chunk of this.tee(source)) void chunk;
    } catch {
      // reported through done()
    }
  }

  /** The master failed before reading the body: the copy will never complete. */
  abandon(error: Error): void {
    this.#finish(undefined, error);
  }

  #finish(body: Buffer | undefined, error?: Error): void {
    const done = this.#done;
    this.#done = undefined;
    this.#chunks = [];
    done?.(body, error);
  }
}
