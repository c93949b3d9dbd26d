import { hexEnd } from './hex.js';
import { growMemory, type HexWasm, instantiateHexWasm, READ_WRITE_PAST } from './hex-wasm-instance.js';

/** Chunks up to this size are copied into WebAssembly memory; the memory never shrinks. */
const MAX_LOADED_BYTES = 1024 * 1024;

/**
 * Finds where lowercase hex stops in an input chunk: the line's "\n" when the line is clean, else
 * the byte that needs a closer look. A loaded chunk is scanned in WebAssembly, 16 bytes per step
 * (hex.wat), about four times the speed of the JavaScript scan; anything else (a line joined from
 * pieces, a chunk too large to copy, a runtime without WebAssembly) is scanned in JavaScript with
 * the same result.
 */
export class HexScanner {
  readonly #wasm: HexWasm | undefined;
  #memory = new Uint8Array(0);
  #loaded: Buffer | undefined;

  /** `useWasm: false` scans in JavaScript only (tests compare the two). */
  constructor(useWasm = true) {
    this.#wasm = useWasm ? instantiateHexWasm() : undefined;
    if (this.#wasm !== undefined) this.#memory = new Uint8Array(this.#wasm.memory.buffer);
  }

  /**
   * Copy `chunk` into WebAssembly memory, so that hexEnd on it runs there (skipped when too large,
   * and when it is there already: the engine resumes a chunk after every line an async handler held).
   */
  load(chunk: Buffer): void {
    if (chunk === this.#loaded) return;
    const wasm = this.#wasm;
    if (wasm === undefined || chunk.length > MAX_LOADED_BYTES) {
      this.#loaded = undefined;
      return;
    }
    if (chunk.length + READ_WRITE_PAST > this.#memory.length) {
      growMemory(wasm, chunk.length + READ_WRITE_PAST);
      this.#memory = new Uint8Array(wasm.memory.buffer);
    }
    this.#memory.set(chunk);
    this.#loaded = chunk;
  }

  /** Whether the last chunk loaded is scanned in WebAssembly. */
  get wasmLoaded(): boolean {
    return this.#loaded !== undefined;
  }

  /** Offset of the first byte in [start, end) of `bytes` that is not a lowercase hex digit, or `end`. */
  hexEnd(bytes: Buffer, start: number, end: number): number {
    return bytes === this.#loaded ? (this.#wasm as HexWasm).hexEnd(start, end) : hexEnd(bytes, start, end);
  }
}
