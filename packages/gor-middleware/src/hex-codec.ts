import { allocSmall } from '@traffic/core';
import { decodeHexJs, encodeHexIntoJs } from './hex.js';
import { type HexWasm, instantiateHexWasm, READ_WRITE_PAST } from './hex-wasm-instance.js';

/**
 * Payload hex decoding and encoding. Up to WASM_MAX_BYTES it runs in WebAssembly (hex.wat, 16
 * bytes per step) on a copy in this thread's instance: besides being several times faster than a
 * JavaScript byte loop, it is fast from the first line, where a byte loop runs unoptimised for
 * thousands of lines. Larger payloads use Node's native hex; without WebAssembly, the JavaScript
 * loops in hex.ts do the work.
 */
const WASM_MAX_BYTES = 256 * 1024;
// Memory layout: the input (at most 2 * WASM_MAX_BYTES hex digits) at 0, the output after it.
const OUTPUT_AT = 2 * WASM_MAX_BYTES + READ_WRITE_PAST;
// Without WebAssembly, spans from this size go through a string and Node's native hex.
const NATIVE_FROM = 2048;
// Made on first use, not at import: every `traffic` command imports this package.
let wasm: HexWasm | null | undefined;
let memory = new Uint8Array(0);

/** This thread's instance, or null without WebAssembly. */
function codec(): HexWasm | null {
  if (wasm === undefined) {
    wasm = instantiateHexWasm(OUTPUT_AT + 2 * WASM_MAX_BYTES + READ_WRITE_PAST) ?? null;
    if (wasm !== null) memory = new Uint8Array(wasm.memory.buffer);
  }
  return wasm;
}

/** Decode a valid, even-length hex span (either case) to bytes. */
export function decodeHex(bytes: Buffer, start: number, end: number): Buffer {
  const length = (end - start) >> 1;
  const instance = codec();
  if (instance !== null && length <= WASM_MAX_BYTES) {
    memory.set(bytes.subarray(start, end));
    instance.decode(0, length, OUTPUT_AT);
    const out = allocSmall(length);
    out.set(memory.subarray(OUTPUT_AT, OUTPUT_AT + length));
    return out;
  }
  if (length >= NATIVE_FROM) return Buffer.from(bytes.toString('latin1', start, end), 'hex');
  return decodeHexJs(bytes, start, end);
}

/** Write the lowercase hex of `src` into `dst` at `offset`; returns the offset after it. */
export function encodeHexInto(src: Uint8Array, dst: Uint8Array, offset: number): number {
  const length = src.length;
  const instance = codec();
  if (instance !== null && length <= WASM_MAX_BYTES) {
    memory.set(src);
    instance.encode(0, length, OUTPUT_AT);
    dst.set(memory.subarray(OUTPUT_AT, OUTPUT_AT + 2 * length), offset);
    return offset + 2 * length;
  }
  return encodeHexIntoJs(src, dst, offset);
}

/** The lowercase hex of `src` as a new Buffer. */
export function encodeHex(src: Buffer): Buffer {
  if (src.length > WASM_MAX_BYTES || (codec() === null && src.length >= NATIVE_FROM))
    return Buffer.from(src.toString('hex'), 'latin1');
  const out = Buffer.allocUnsafe(src.length * 2);
  encodeHexInto(src, out, 0);
  return out;
}
