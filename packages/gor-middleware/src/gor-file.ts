import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { TrafficError } from '@traffic/core';

/**
 * GoReplay's file format (`--output-file`): each record is the raw payload (header line, `\n`,
 * HTTP bytes) followed by the separator `\n🐵🙈🙉\n`; files may be gzipped (`.gz`, or gzip magic).
 * Reading keeps one growable buffer (doubling), so a record of any size costs linear time.
 */
export const RECORD_SEPARATOR: Buffer = Buffer.from('\n🐵🙈🙉\n', 'utf8');

export interface GorFileReadOptions {
  /** Longest record accepted; longer ones are skipped and counted. Default 256 MiB. */
  maxRecordBytes?: number;
  /** Told about every skipped oversized record (its 1-based index and size so far). */
  onOversized?: (index: number, bytes: number) => void;
  /** Told the compressed/raw byte count read so far (for progress bars). */
  onBytesRead?: (bytes: number) => void;
}

/** Records of a .gor file (gzip detected from the magic bytes), without separators. */
export async function* readGorFile(path: string, options: GorFileReadOptions = {}): AsyncGenerator<Buffer> {
  let gzipped: boolean;
  try {
    const handle = await open(path);
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
      gzipped = bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new TrafficError(
      'TRAFFIC_ERR_GOR_FILE_UNREADABLE',
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { cause: error, details: { path } },
    );
  }
  const file = createReadStream(path, { highWaterMark: 256 * 1024 });
  let read = 0;
  if (options.onBytesRead !== undefined) {
    const report = options.onBytesRead;
    file.on('data', (chunk) => {
      read += chunk.length;
      report(read);
    });
  }
  let source: Readable = file;
  if (gzipped) {
    const gunzip = createGunzip();
    pipeline(file, gunzip, () => {});
    source = gunzip;
  }
  try {
    yield* splitRecords(source as AsyncIterable<Buffer>, options);
  } catch (error) {
    if (error instanceof TrafficError) throw error;
    throw new TrafficError('TRAFFIC_ERR_GOR_FILE_UNREADABLE', `cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
      details: { path },
    });
  } finally {
    file.destroy();
  }
}

/** Split a byte stream into records on the separator (a missing final separator is fine). */
export async function* splitRecords(
  source: AsyncIterable<Buffer>,
  options: GorFileReadOptions = {},
): AsyncGenerator<Buffer> {
  const max = options.maxRecordBytes ?? 256 * 1024 * 1024;
  const sep = RECORD_SEPARATOR;
  let acc = Buffer.allocUnsafe(1024 * 1024);
  let length = 0;
  let scanFrom = 0;
  let skipping = false;
  let index = 0;
  for await (const chunk of source) {
    if (length + chunk.length > acc.length) {
      const grown = Buffer.allocUnsafe(Math.max(acc.length * 2, length + chunk.length));
      acc.copy(grown, 0, 0, length);
      acc = grown;
    }
    chunk.copy(acc, length);
    length += chunk.length;
    let start = 0;
    for (;;) {
      const at = acc.indexOf(sep, Math.max(start, scanFrom - sep.length + 1));
      if (at < 0 || at + sep.length > length) break;
      index++;
      if (skipping) skipping = false;
      else yield Buffer.from(acc.subarray(start, at));
      start = at + sep.length;
      scanFrom = start;
    }
    scanFrom = length;
    if (start > 0) {
      acc.copy(acc, 0, start, length);
      length -= start;
      scanFrom -= start;
    }
    if (length > max) {
      if (!skipping) options.onOversized?.(index + 1, length);
      skipping = true;
      // Keep the tail: the separator may straddle this chunk and the next.
      acc.copy(acc, 0, length - sep.length, length);
      length = sep.length;
      scanFrom = length;
    }
  }
  if (length > 0 && !skipping) {
    // A file whose last record has no separator (or only a trailing newline).
    const last = acc.subarray(0, length);
    if (!(length === 1 && last[0] === 0x0a)) yield Buffer.from(last);
  }
}

/** Writes records in .gor file format. */
export class GorFileWriter {
  readonly #out: Writable;
  constructor(out: Writable) {
    this.#out = out;
  }
  /** Write one payload and its separator; resolves when the stream can take more. */
  write(payload: Buffer): Promise<void> | undefined {
    this.#out.write(payload);
    if (this.#out.write(RECORD_SEPARATOR)) return undefined;
    return new Promise((resolve) => this.#out.once('drain', resolve));
  }
}
