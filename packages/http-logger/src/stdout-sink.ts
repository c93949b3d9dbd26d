import { StreamSink } from './stream-sink.js';

let shared: StreamSink | undefined;

/** One batching sink on process.stdout shared by every logger in the process (one error listener). */
export function stdoutSink(): StreamSink {
  shared ??= new StreamSink(process.stdout, { name: 'stdout' });
  return shared;
}
