/**
 * Hex scanning on raw bytes (never through strings on the hot path). A lookup table classifies each
 * byte: lowercase hex digits are the common case, uppercase is accepted and normalised on output.
 */
const INVALID = 0;
const LOWER = 1;
const UPPER = 2;

const CLASS = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) CLASS[c] = LOWER;
for (let c = 0x61; c <= 0x66; c++) CLASS[c] = LOWER;
for (let c = 0x41; c <= 0x46; c++) CLASS[c] = UPPER;

const VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) {
  VALUE[i.toString(16).charCodeAt(0)] = i;
  VALUE[i.toString(16).toUpperCase().charCodeAt(0)] = i;
}

/** Result of scanning a hex span: `-1` all lowercase, `-2` valid with uppercase digits, else the offset of the first bad byte. */
export const HEX_LOWER = -1;
export const HEX_UPPER = -2;

export function scanHex(bytes: Uint8Array, start: number, end: number): number {
  let seen = 0;
  for (let i = start; i < end; i++) {
    const cls = CLASS[bytes[i] as number] as number;
    if (cls === INVALID) return i;
    seen |= cls;
  }
  return seen & UPPER ? HEX_UPPER : HEX_LOWER;
}

/** Value of the byte pair at `at` (both must be hex digits), or -1. */
export function hexByte(bytes: Uint8Array, at: number): number {
  const hi = VALUE[bytes[at] as number] as number;
  const lo = VALUE[bytes[at + 1] as number] as number;
  return hi < 0 || lo < 0 ? -1 : (hi << 4) | lo;
}

/** A lowercase copy of a hex span (only called for the rare uppercase input). */
export function lowerHex(bytes: Uint8Array, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  for (let i = start; i < end; i++) {
    const b = bytes[i] as number;
    out[i - start] = b >= 0x41 && b <= 0x46 ? b + 0x20 : b;
  }
  return out;
}

/** Decode a hex span to bytes. */
export function decodeHex(bytes: Buffer, start: number, end: number): Buffer {
  return Buffer.from(bytes.toString('latin1', start, end), 'hex');
}
