/**
 * Small uninitialised Buffers carved from a shared slab. `Buffer.allocUnsafe` does the same from
 * Node's 8 KiB pool, but its argument checks and pool bookkeeping cost about twice a `subarray`;
 * on paths that build one small Buffer per message that difference shows. Like Node's pool, a
 * piece that is kept alive keeps its slab alive: slabs are small (16 KiB) to bound that.
 */
const SLAB_BYTES = 16 * 1024;
const LARGEST_PIECE = 2 * 1024;

let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let used = 0;

/** An uninitialised Buffer of `size` bytes (the caller writes every byte). */
export function allocSmall(size: number): Buffer {
  if (size > LARGEST_PIECE) return Buffer.allocUnsafe(size);
  if (used + size > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    used = 0;
  }
  const piece = slab.subarray(used, used + size);
  // 8-byte alignment keeps typed-array views over pieces possible.
  used = (used + size + 7) & ~7;
  return piece;
}
