import { describe, expect, it } from 'vitest';
import { allocSmall } from '../src/index.js';

describe('allocSmall', () => {
  it('returns Buffers of the asked size that never overlap', () => {
    const pieces = Array.from({ length: 300 }, (_, i) => allocSmall(1 + (i % 97)));
    pieces.forEach((piece, i) => {
      expect(piece.length).toBe(1 + (i % 97));
      piece.fill(i & 0xff);
    });
    // Every piece still holds what was written into it: no later piece reused its bytes.
    pieces.forEach((piece, i) => {
      expect(piece.every((byte) => byte === (i & 0xff))).toBe(true);
    });
  });

  it('serves sizes above the slab piece limit from Buffer.allocUnsafe', () => {
    const big = allocSmall(64 * 1024);
    expect(big.length).toBe(64 * 1024);
    expect(big.buffer.byteLength).toBeGreaterThanOrEqual(64 * 1024);
  });

  it('starts every piece on an 8-byte boundary', () => {
    for (let i = 0; i < 50; i++) expect(allocSmall(3 + i).byteOffset % 8).toBe(0);
  });
});
