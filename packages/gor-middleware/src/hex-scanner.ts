import { hexEnd } from './hex.js';
import { HEX_END_WASM } from './hex-end-wasm.js';

/**
 * Finds where lowercase hex stops in an input chunk: the line's "\n" when the line is clean, else
 * the byte that needs a closer look. A loaded chunk is scanned in WebAssembly, 16 bytes per step
 * (hex-end.wat), about four times the speed of the JavaScript scan; anything else (a line joined
 * from pieces, a chunk too large to copy, a runtime without WebAssembly such as `--jitless`) is
 * scanned in JavaScript with the same result.
 */

/** Chunks up to this size are copied into WebAssembly memory; the memory never shrinks. */
const MAX_LOADED_BYTES = 1024 * 1024;
/** The WebAssembly scan reads whole 16-byte blocks, up to 15 bytes past the data. */
const READ_PAST = 16;
const WASM_PAGE = 64 * 1024;

// The few WebAssembly types used here (the project's TypeScript libs do not declare them).
interface WasmExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  hexEnd(from: number, end: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

let compiled: object | null | undefined;
function compiledModule(): object | null {
  if (compiled === undefined) {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    try {
      compiled = wasm === undefined ? null : new wasm.Module(Buffer.from(HEX_END_WASM, 'base64'));
    } catch {
      compiled = null; // WebAssembly present but unusable: the JavaScript scan does the work
    }
  }
  return compiled;
}

export class HexScanner {
  readonly #wasm: WasmExports | undefined;
  #memory = new Uint8Array(0);
  #loaded: Buffer | undefined;

  /** `useWasm: false` scans in JavaScript only (tests compare the two). */
  constructor(useWasm = true) {
    const module = useWasm ? compiledModule() : null;
    if (module === null) return;
    const { Instance } = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    this.#wasm = new Instance(module).exports as WasmExports;
    this.#memory = new Uint8Array(this.#wasm.memory.buffer);
  }

  /** Copy `chunk` into WebAssembly memory, so that hexEnd on it runs there (skipped when too large). */
  load(chunk: Buffer): void {
    const wasm = this.#wasm;
    if (wasm === undefined || chunk.length > MAX_LOADED_BYTES) {
      this.#loaded = undefined;
      return;
    }
    if (chunk.length + READ_PAST > this.#memory.length) {
      wasm.memory.grow(Math.ceil((chunk.length + READ_PAST - this.#memory.length) / WASM_PAGE));
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
    return bytes === this.#loaded ? (this.#wasm as WasmExports).hexEnd(start, end) : hexEnd(bytes, start, end);
  }
}
