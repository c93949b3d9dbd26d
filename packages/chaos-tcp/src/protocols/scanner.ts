/**
 * Message framing for protocol mode. Scanners find message boundaries in a byte stream without
 * holding bodies: they buffer at most one line (capped) and count body bytes. A scanner that meets
 * something it cannot frame (a line over the cap, an upgrade) sets `broken`, and the connection then
 * passes the rest unframed rather than guessing.
 */
export interface Expectation {
  /** No response comes back (memcache noreply, quit). */
  readonly none?: boolean;
  /** HTTP HEAD: the response has no body whatever its headers say. */
  readonly head?: boolean;
  /** memcache: "values" (get), "end" (stats), "line" (everything else). */
  readonly kind?: string;
}

export interface MessageScanner {
  /** Scan from `offset`: the offset just past the end of the current message, or -1 if it goes on past `buf`. */
  scan(buf: Buffer, offset: number): number;
  /** Framing gave up; pass the rest of the connection through. */
  readonly broken: boolean;
}

export interface RequestScanner extends MessageScanner {
  /** After a message ended: what its response will look like. */
  expectation(): Expectation;
}

export interface ResponseScanner extends MessageScanner {
  /** Set before the first byte of each response. */
  begin(expect: Expectation): void;
  /** The message that just ended was an interim answer (HTTP 1xx): the call still waits for its response. */
  readonly interim: boolean;
}

export const MAX_LINE = 64 * 1024;

/** Collects one line across chunks, capped at MAX_LINE. */
export class LineReader {
  #parts: Buffer[] = [];
  #length = 0;
  overflow = false;

  /** The line (without CRLF) and the offset after it, or null and buf.length when the line goes on. */
  take(buf: Buffer, offset: number): { line: string | null; next: number } {
    const newline = buf.indexOf(10, offset);
    if (newline === -1) {
      this.#length += buf.length - offset;
      if (this.#length > MAX_LINE) this.overflow = true;
      else this.#parts.push(buf.subarray(offset));
      return { line: null, next: buf.length };
    }
    let text: string;
    if (this.#parts.length === 0) text = buf.toString('latin1', offset, newline);
    else {
      this.#parts.push(buf.subarray(offset, newline));
      text = Buffer.concat(this.#parts).toString('latin1');
      this.#parts = [];
      this.#length = 0;
    }
    return { line: text.endsWith('\r') ? text.slice(0, -1) : text, next: newline + 1 };
  }
}
