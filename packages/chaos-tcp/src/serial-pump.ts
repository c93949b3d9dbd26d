const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

/**
 * Runs items one at a time through an async handler, in order. Above HIGH_WATER queued bytes it asks
 * the source to pause, so a slow behaviour bounds memory instead of queueing without limit.
 */
export class SerialPump<T> {
  readonly #handle: (item: T) => Promise<void> | void;
  readonly #onPressure: (paused: boolean) => void;
  readonly #onError: (error: unknown) => void;
  readonly #items: T[] = [];
  readonly #sizes: number[] = [];
  #queued = 0;
  #running = false;
  #paused = false;

  constructor(
    handle: (item: T) => Promise<void> | void,
    onPressure: (paused: boolean) => void,
    onError: (error: unknown) => void,
  ) {
    this.#handle = handle;
    this.#onPressure = onPressure;
    this.#onError = onError;
  }

  push(item: T, size: number): void {
    this.#items.push(item);
    this.#sizes.push(size);
    this.#queued += size;
    if (!this.#paused && this.#queued > HIGH_WATER) {
      this.#paused = true;
      this.#onPressure(true);
    }
    if (!this.#running) void this.#run();
  }

  async #run(): Promise<void> {
    this.#running = true;
    while (this.#items.length > 0) {
      const item = this.#items.shift() as T;
      this.#queued -= this.#sizes.shift() ?? 0;
      try {
        const result = this.#handle(item);
        if (result !== undefined) await result;
      } catch (error) {
        this.#onError(error);
      }
      if (this.#paused && this.#queued < LOW_WATER) {
        this.#paused = false;
        this.#onPressure(false);
      }
    }
    this.#running = false;
  }
}
