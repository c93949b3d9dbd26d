import { HEX_WASM } from './hex-wasm.js';

/**
 * Instances of hex.wat. Each has its own memory: one per stream engine (its input chunks) and one
 * per thread for encoding and decoding. Without WebAssembly (`node --jitless`) there is none, and
 * callers use their JavaScript code, which gives the same results.
 */
export interface HexWasm {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  hexEnd(from: number, end: number): number;
  encode(from: number, count: number, to: number): void;
  decode(from: number, count: number, to: number): void;
}

// The few WebAssembly types used here (the project's TypeScript libs do not declare them).
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

const WASM_PAGE = 64 * 1024;
/** Room every caller leaves after each region it reads or writes (see hex.wat). */
export const READ_WRITE_PAST = 32;

const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
let compiled: object | null | undefined;

/** A new instance of hex.wat with at least `bytes` of memory, or undefined without WebAssembly. */
export function instantiateHexWasm(bytes = 0): HexWasm | undefined {
  if (compiled === undefined) {
    try {
      compiled = api === undefined ? null : new api.Module(Buffer.from(HEX_WASM, 'base64'));
    } catch {
      compiled = null; // WebAssembly present but unusable
    }
  }
  if (compiled === null || api === undefined) return undefined;
  const wasm = new api.Instance(compiled).exports as HexWasm;
  growMemory(wasm, bytes);
  return wasm;
}

/** Grow an instance's memory to at least `bytes` (views over the old buffer must be made again). */
export function growMemory(wasm: HexWasm, bytes: number): void {
  const missing = bytes - wasm.memory.buffer.byteLength;
  if (missing > 0) wasm.memory.grow(Math.ceil(missing / WASM_PAGE));
}
