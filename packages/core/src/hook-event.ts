/**
 * The object a hook listener receives. The registry resets the stop flag at the start of every
 * dispatch, so a stopPropagation() in one phase can never leak into the next (HARP's bug).
 * Callers should still create a fresh event per phase; subclasses add the phase's fields.
 */
export class HookEvent {
  #stopped = false;
  /** Set by the registry when a listener of this dispatch threw. */
  error: Error | undefined = undefined;

  stopPropagation(): void {
    this.#stopped = true;
  }

  get propagationStopped(): boolean {
    return this.#stopped;
  }

  /** @internal used by HookRegistry at the start of each dispatch. */
  resetPropagation(): void {
    this.#stopped = false;
  }
}
