import type { Writable } from 'node:stream';
import type { Difference } from './difference.js';
import type { Outcome, SkipReason } from './outcomes.js';
import type { Redactor } from './redact.js';

/** One NDJSON line per non-equal outcome. */
export interface DiffRecord {
  time: string;
  /** The client request's sequence number (several shadows share it). */
  id: number;
  backend: string;
  outcome: Outcome;
  reason?: SkipReason | string;
  request: { method: string; url: string; headers: string[] };
  status?: { master: number | undefined; shadow: number | undefined };
  differences?: Difference[];
  /** Differences dropped because the second master showed the same ones. */
  noiseCancelled?: number;
  /** ms from dispatch to the end of each response. */
  timings?: { masterMs: number | undefined; shadowMs: number | undefined };
  error?: { message: string; code?: string };
}

/**
 * Writes records as NDJSON with secrets redacted. A slow sink never grows memory without bound:
 * while more than `maxPendingBytes` wait in the stream, records are dropped and counted.
 */
export class DiffLog {
  readonly #sink: Writable;
  readonly #maxPending: number;
  readonly #redactor: Redactor;
  written = 0;
  dropped = 0;

  constructor(sink: Writable, maxPendingBytes: number, redactor: Redactor) {
    this.#sink = sink;
    this.#maxPending = maxPendingBytes;
    this.#redactor = redactor;
    // A broken sink must not crash the proxy; its errors count as drops.
    sink.on('error', () => {
      this.dropped++;
    });
  }

  write(record: DiffRecord): void {
    if (this.#sink.destroyed || this.#sink.writableEnded || this.#sink.writableLength > this.#maxPending) {
      this.dropped++;
      return;
    }
    this.#sink.write(`${JSON.stringify(redactRecord(record, this.#redactor))}\n`);
    this.written++;
  }
}

export function redactRecord(record: DiffRecord, redactor: Redactor): DiffRecord {
  const out: DiffRecord = {
    ...record,
    request: {
      method: record.request.method,
      url: redactor.url(record.request.url),
      headers: redactor.headers(record.request.headers),
    },
  };
  if (record.differences !== undefined) {
    out.differences = record.differences.map((difference) =>
      difference.kind === 'header'
        ? {
            ...difference,
            master: redactor.headerValue(difference.path, difference.master),
            shadow: redactor.headerValue(difference.path, difference.shadow),
          }
        : difference.kind === 'body'
          ? {
              ...difference,
              master: redactor.value(difference.path, difference.master),
              shadow: redactor.value(difference.path, difference.shadow),
            }
          : difference,
    );
  }
  return out;
}
