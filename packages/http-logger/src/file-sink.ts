import { close, open, write } from 'node:fs';
import type { WritableLike } from './sink.js';
import { StreamSink, type StreamSinkOptions } from './stream-sink.js';

export interface FileSinkOptions
  extends Pick<StreamSinkOptions, 'maxBufferedBytes' | 'flushIntervalMs' | 'flushBytes'> {
  /** fs flags; default 'a' (append). */
  flags?: string;
  /** File mode when it is created; default 0o644. */
  mode?: number;
}

/**
 * The file under a StreamSink: the file is opened asynchronously and each batch (already UTF-8
 * bytes) goes to the threadpool as one fs.write.
 */
class FileWriter implements WritableLike {
  #fd: number | undefined;
  #openError: Error | undefined;
  #waiting: (() => void)[] = [];

  constructor(path: string, flags: string, mode: number) {
    open(path, flags, mode, (error, fd) => {
      if (error) this.#openError = error;
      else this.#fd = fd;
      const waiting = this.#waiting;
      this.#waiting = [];
      for (const resume of waiting) resume();
    });
  }

  #whenOpen(then: () => void): void {
    if (this.#fd !== undefined || this.#openError !== undefined) then();
    else this.#waiting.push(then);
  }

  write(data: Buffer, callback?: (error?: Error | null) => void): boolean {
    this.#whenOpen(() => {
      const fd = this.#fd;
      if (fd === undefined) {
        callback?.(this.#openError ?? new Error('file not open'));
        return;
      }
      this.#writeAll(fd, data, 0, callback);
    });
    return true;
  }

  // A regular file may take fewer bytes than asked (disk full, signals): write the rest.
  #writeAll(fd: number, data: Buffer, offset: number, callback?: (error?: Error | null) => void): void {
    write(fd, data, offset, data.length - offset, null, (error, written) => {
      if (error) callback?.(error);
      else if (offset + written < data.length) this.#writeAll(fd, data, offset + written, callback);
      else callback?.(null);
    });
  }

  end(callback?: () => void): void {
    this.#whenOpen(() => {
      const fd = this.#fd;
      this.#fd = undefined;
      if (fd === undefined) callback?.();
      else close(fd, () => callback?.());
    });
  }
}

/** Append lines to a file: batched (one write per flush interval or 64 KiB), asynchronous, bounded. */
export function fileSink(path: string, options: FileSinkOptions = {}): StreamSink {
  return new StreamSink(new FileWriter(path, options.flags ?? 'a', options.mode ?? 0o644), {
    endOnClose: true,
    name: `file ${path}`,
    ...(options.maxBufferedBytes === undefined ? {} : { maxBufferedBytes: options.maxBufferedBytes }),
    ...(options.flushIntervalMs === undefined ? {} : { flushIntervalMs: options.flushIntervalMs }),
    ...(options.flushBytes === undefined ? {} : { flushBytes: options.flushBytes }),
  });
}
