import type { TrafficError } from '@traffic/core';
import { sinkFailedError } from './errors.js';
import type { LogSink } from './sink.js';

/**
 * Calls a function with each line (no trailing newline), synchronously. A throwing function never
 * reaches the request: the line is counted as dropped and the first failure is reported.
 */
export class FunctionSink implements LogSink {
  onError: ((error: TrafficError) => void) | undefined;
  readonly #fn: (line: string) => void;
  #dropped = 0;
  #reported = false;

  constructor(fn: (line: string) => void) {
    this.#fn = fn;
  }

  get dropped(): number {
    return this.#dropped;
  }

  writeLine(line: string): void {
    try {
      this.#fn(line);
    } catch (error) {
      this.#dropped++;
      if (!this.#reported) {
        this.#reported = true;
        this.onError?.(sinkFailedError(`function ${this.#fn.name || '(anonymous)'}`, error));
      }
    }
  }
}

export function functionSink(fn: (line: string) => void): FunctionSink {
  return new FunctionSink(fn);
}
