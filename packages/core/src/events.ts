import { EventEmitter } from 'eventemitter3';
import type { Logger } from './logger.js';
import { noopLogger } from './logger.js';

/**
 * Typed, synchronous, observe-only events (listening, message, exchange, diff, fault, error, close,
 * stats...). A listener that throws is caught and logged: it can never crash the process or stop the
 * other listeners. Emitters should check hasListeners() before building a payload.
 */
// biome-ignore lint/suspicious/noExplicitAny: event maps are user-declared tuples of any shape
export type EventMap = { [event: string]: (...args: any[]) => void };

// biome-ignore lint/suspicious/noExplicitAny: listeners of any event signature
type Listener = (...args: any[]) => void;

export class TrafficEvents<Events extends EventMap> {
  readonly #emitter = new EventEmitter();
  readonly #wrapped = new Map<string, WeakMap<Listener, Listener>>();
  #logger: Logger;
  #listenerErrors = 0;

  constructor(logger: Logger = noopLogger) {
    this.#logger = logger;
  }

  setLogger(logger: Logger): void {
    this.#logger = logger;
  }

  /** How many listeners threw so far. */
  get listenerErrors(): number {
    return this.#listenerErrors;
  }

  on<K extends keyof Events & string>(event: K, listener: Events[K]): this {
    this.#emitter.on(event, this.#wrap(event, listener as Listener));
    return this;
  }

  once<K extends keyof Events & string>(event: K, listener: Events[K]): this {
    this.#emitter.once(event, this.#wrap(event, listener as Listener));
    return this;
  }

  off<K extends keyof Events & string>(event: K, listener: Events[K]): this {
    const wrapped = this.#wrapped.get(event)?.get(listener as Listener);
    if (wrapped !== undefined) this.#emitter.off(event, wrapped);
    return this;
  }

  removeAllListeners(event?: keyof Events & string): this {
    this.#emitter.removeAllListeners(event);
    return this;
  }

  hasListeners(event: keyof Events & string): boolean {
    return this.#emitter.listenerCount(event) > 0;
  }

  listenerCount(event: keyof Events & string): number {
    return this.#emitter.listenerCount(event);
  }

  emit<K extends keyof Events & string>(event: K, ...args: Parameters<Events[K]>): boolean {
    return this.#emitter.emit(event, ...args);
  }

  #wrap(event: string, listener: Listener): Listener {
    let table = this.#wrapped.get(event);
    if (table === undefined) {
      table = new WeakMap();
      this.#wrapped.set(event, table);
    }
    let wrapped = table.get(listener);
    if (wrapped === undefined) {
      const failed = (error: unknown) => {
        this.#listenerErrors++;
        this.#logger.error({ err: error, event }, 'event listener threw; ignored');
      };
      wrapped = (...args: unknown[]) => {
        try {
          const result: unknown = listener(...args);
          // An async listener's rejection would be an unhandled rejection (a crash): catch it too.
          if (result !== null && typeof (result as Promise<unknown>)?.then === 'function')
            (result as Promise<unknown>).then(undefined, failed);
        } catch (error) {
          failed(error);
        }
      };
      table.set(listener, wrapped);
    }
    return wrapped;
  }
}
