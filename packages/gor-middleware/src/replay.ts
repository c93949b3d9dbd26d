import type { Writable } from 'node:stream';
import type { DispatchResult } from './dispatch.js';
import { FAILED } from './dispatch.js';
import type { GorFileReadOptions } from './gor-file.js';
import { GorFileWriter, readGorFile } from './gor-file.js';
import { GorMessage } from './message.js';
import type { Gor } from './middleware.js';
import { encodeLine, parseRawHeader } from './protocol.js';
import type { GorStats } from './stats.js';
import { typeName } from './stats.js';

/**
 * Offline replay: run the records of a .gor file through a middleware, writing a .gor file or
 * hex protocol lines. Lets people test a middleware without gor. Unchanged records are written
 * as read; sync handlers cost no promise per record.
 */
export interface ReplayOptions {
  /** `gor`: records with separators (a .gor file); `hex`: protocol lines as gor would read them. */
  format?: 'gor' | 'hex';
  /** Told the bytes read so far of the (possibly compressed) file, for progress bars. */
  onBytesRead?: (bytes: number) => void;
  maxRecordBytes?: number;
}

export async function replayGorFile(
  gor: Gor,
  path: string,
  output: Writable,
  options: ReplayOptions = {},
): Promise<GorStats> {
  const format = options.format ?? 'gor';
  const stats = gor.mutableStats;
  const writer = new GorFileWriter(output);
  const readOptions: GorFileReadOptions = {
    onOversized: (index, bytes) => {
      stats.lines++;
      stats.tooLong++;
      gor.logger.error(
        { code: 'TRAFFIC_ERR_GOR_LINE_TOO_LONG', record: index, bytes },
        `gor replay: record ${index} is larger than ${options.maxRecordBytes ?? 256 * 1024 * 1024} bytes; skipped`,
      );
    },
    ...(options.onBytesRead === undefined ? {} : { onBytesRead: options.onBytesRead }),
    ...(options.maxRecordBytes === undefined ? {} : { maxRecordBytes: options.maxRecordBytes }),
  };
  const write = (bytes: Buffer | Buffer[]): Promise<void> | undefined => {
    if (format === 'gor') return writer.write(Array.isArray(bytes) ? Buffer.concat(bytes) : bytes);
    const pieces = Array.isArray(bytes) ? bytes : [Buffer.from(bytes.toString('hex'), 'latin1'), Buffer.from('\n')];
    let ok = true;
    for (const piece of pieces) ok = output.write(piece);
    return ok ? undefined : new Promise((resolve) => output.once('drain', resolve));
  };
  let index = 0;
  for await (const record of readGorFile(path, readOptions)) {
    index++;
    stats.lines++;
    const header = parseRawHeader(record);
    if (typeof header === 'string') {
      stats.malformed++;
      gor.logger.error(
        { code: 'TRAFFIC_ERR_GOR_MALFORMED_LINE', record: index },
        `gor replay: record ${index} skipped: ${header}`,
      );
      continue;
    }
    const typeStats = stats.byType[typeName(header.fields[0] as string)];
    typeStats.in++;
    const message = new GorMessage(header.fields, record.subarray(header.payloadStart));
    message.lineNumber = index;
    let result: DispatchResult | Promise<DispatchResult> = gor.idle ? message : gor.dispatch(message);
    if (result instanceof Promise) result = await result;
    let pending: Promise<void> | undefined;
    if (result === FAILED) {
      typeStats.errors++;
      if (gor.options.onHandlerError === 'forward') {
        typeStats.forwarded++;
        pending = write(record);
      }
    } else if (result === null) typeStats.filtered++;
    else {
      typeStats.forwarded++;
      if (result === message && !message.headChanged && !message.httpReplaced) pending = write(record);
      else {
        typeStats.modified++;
        pending = write(format === 'gor' ? result.toPayload() : encodeLine(result));
      }
    }
    if (pending !== undefined) await pending;
  }
  return gor.stats;
}
