import { createWriteStream } from 'node:fs';
import { StreamSink, type StreamSinkOptions } from './stream-sink.js';

export interface FileSinkOptions extends Pick<StreamSinkOptions, 'maxBufferedBytes'> {
  /** fs flags; default 'a' (append). */
  flags?: string;
}

/** Append lines to a file through an async write stream, batched (one write per event-loop turn). */
export function fileSink(path: string, options: FileSinkOptions = {}): StreamSink {
  const stream = createWriteStream(path, { flags: options.flags ?? 'a' });
  return new StreamSink(stream, {
    endOnClose: true,
    name: `file ${path}`,
    ...(options.maxBufferedBytes === undefined ? {} : { maxBufferedBytes: options.maxBufferedBytes }),
  });
}
