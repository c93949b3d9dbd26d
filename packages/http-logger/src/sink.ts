import type { TrafficError } from '@traffic/core';

/**
 * Where log lines go. writeLine() gets one JSON line without the trailing newline and must return
 * at once (never block the event loop); a sink that cannot keep up drops lines and counts them.
 */
export interface LogSink {
  writeLine(line: string): void;
  /** Resolves when every line accepted so far has been handed to the destination. */
  flush?(): Promise<void>;
  /** Flush, then release what the sink owns (a file it opened). */
  close?(): Promise<void>;
  /** Lines accepted by writeLine() but never delivered (buffer full, destination failed). */
  readonly dropped?: number;
  /** Set by the logger when the sink is added: where the sink reports its failure (once). */
  onError?: ((error: TrafficError) => void) | undefined;
}

/**
 * Anything with write(chunk, cb): process.stdout, a socket, an fs.WriteStream, a PassThrough.
 * Each chunk is a Buffer of whole lines, UTF-8, each ended by "\n".
 */
export interface WritableLike {
  write(chunk: Buffer, callback?: (error?: Error | null) => void): unknown;
  on?(event: 'error', listener: (error: Error) => void): unknown;
}

/** What addLogger() and the `sink`/`sinks` options accept. */
export type SinkInput = LogSink | ((line: string) => void) | WritableLike;
