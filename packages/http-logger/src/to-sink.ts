import { InvalidOptionError } from '@traffic/core';
import { FunctionSink } from './function-sink.js';
import type { LogSink, SinkInput } from './sink.js';
import { StreamSink } from './stream-sink.js';

/** Normalise what a user passes as a sink: a LogSink, a function, or a writable stream. */
export function toSink(input: SinkInput, option: string, maxBufferedBytes: number): LogSink {
  if (typeof input === 'function') return new FunctionSink(input);
  if (input !== null && typeof input === 'object') {
    if (typeof (input as LogSink).writeLine === 'function') return input as LogSink;
    if (typeof (input as { write?: unknown }).write === 'function') {
      return new StreamSink(input as Exclude<SinkInput, LogSink | ((line: string) => void)>, { maxBufferedBytes });
    }
  }
  throw new InvalidOptionError(option, input, 'a LogSink (writeLine), a function (line) => void, or a writable stream');
}
