;; Hex scanning, decoding and encoding, 16 bytes per step. The caller copies data into this
;; module's memory and out again; every function works on whole 16-byte blocks, so it may read up
;; to 31 bytes past its input and write up to 31 bytes past its output: the caller leaves that
;; much room after each region. Bytes read past the input never change a result.
(module
  (memory (export "memory") 1)

  ;; hexEnd(at, end): the offset of the first byte in [at, end) that is not a lowercase hex digit,
  ;; or `end` when every byte is one. A byte is a digit when (byte - '0') < 10 and a letter a-f
  ;; when (byte - 'a') < 6, both as unsigned bytes. A stop found past `end` is reported as `end`.
  (func (export "hexEnd") (param $at i32) (param $end i32) (result i32)
    (local $bytes v128)
    (local $other v128)
    (if (i32.ge_u (local.get $at) (local.get $end))
      (then (return (local.get $end))))
    (loop $step
      (local.set $bytes (v128.load (local.get $at)))
      (local.set $other
        (v128.not
          (v128.or
            (i8x16.lt_u
              (i8x16.sub (local.get $bytes) (v128.const i8x16 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48 48))
              (v128.const i8x16 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10))
            (i8x16.lt_u
              (i8x16.sub (local.get $bytes) (v128.const i8x16 97 97 97 97 97 97 97 97 97 97 97 97 97 97 97 97))
              (v128.const i8x16 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6 6)))))
      (if (v128.any_true (local.get $other))
        (then
          (local.set $at (i32.add (local.get $at) (i32.ctz (i8x16.bitmask (local.get $other)))))
          (return (select (local.get $at) (local.get $end) (i32.lt_u (local.get $at) (local.get $end))))))
      (local.set $at (i32.add (local.get $at) (i32.const 16)))
      (br_if $step (i32.lt_u (local.get $at) (local.get $end))))
    (local.get $end))

  ;; encode(from, count, to): the lowercase hex of the `count` bytes at `from`, written at `to`.
  ;; Each nibble picks its digit from a 16-byte table (swizzle); the high and low digits are then
  ;; interleaved into two 16-byte blocks of output.
  (func (export "encode") (param $from i32) (param $count i32) (param $to i32)
    (local $end i32)
    (local $bytes v128)
    (local $high v128)
    (local $low v128)
    (local.set $end (i32.add (local.get $from) (local.get $count)))
    (if (i32.ge_u (local.get $from) (local.get $end))
      (then (return)))
    (loop $step
      (local.set $bytes (v128.load (local.get $from)))
      (local.set $high
        (i8x16.swizzle
          (v128.const i8x16 48 49 50 51 52 53 54 55 56 57 97 98 99 100 101 102)
          (i8x16.shr_u (local.get $bytes) (i32.const 4))))
      (local.set $low
        (i8x16.swizzle
          (v128.const i8x16 48 49 50 51 52 53 54 55 56 57 97 98 99 100 101 102)
          (v128.and (local.get $bytes) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))))
      (v128.store (local.get $to)
        (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $high) (local.get $low)))
      (v128.store offset=16 (local.get $to)
        (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $high) (local.get $low)))
      (local.set $from (i32.add (local.get $from) (i32.const 16)))
      (local.set $to (i32.add (local.get $to) (i32.const 32)))
      (br_if $step (i32.lt_u (local.get $from) (local.get $end)))))

  ;; decode(from, count, to): `count` bytes from the valid hex digits (either case) at `from`,
  ;; written at `to`. A digit's value is its low 4 bits, plus 9 when it is a letter (above '9').
  ;; Each 16-bit lane then holds one pair, first digit in its low byte: (first << 4) | second is
  ;; narrowed to a byte.
  (func (export "decode") (param $from i32) (param $count i32) (param $to i32)
    (local $end i32)
    (local $digits v128)
    (local $first v128)
    (local $second v128)
    (local.set $end (i32.add (local.get $to) (local.get $count)))
    (if (i32.ge_u (local.get $to) (local.get $end))
      (then (return)))
    (loop $step
      (local.set $digits (v128.load (local.get $from)))
      (local.set $first
        (i8x16.add
          (v128.and (local.get $digits) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
          (v128.and
            (i8x16.gt_u (local.get $digits) (v128.const i8x16 57 57 57 57 57 57 57 57 57 57 57 57 57 57 57 57))
            (v128.const i8x16 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9))))
      (local.set $first
        (v128.or
          (i16x8.shl (v128.and (local.get $first) (v128.const i16x8 255 255 255 255 255 255 255 255)) (i32.const 4))
          (i16x8.shr_u (local.get $first) (i32.const 8))))
      (local.set $digits (v128.load offset=16 (local.get $from)))
      (local.set $second
        (i8x16.add
          (v128.and (local.get $digits) (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
          (v128.and
            (i8x16.gt_u (local.get $digits) (v128.const i8x16 57 57 57 57 57 57 57 57 57 57 57 57 57 57 57 57))
            (v128.const i8x16 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9))))
      (local.set $second
        (v128.or
          (i16x8.shl (v128.and (local.get $second) (v128.const i16x8 255 255 255 255 255 255 255 255)) (i32.const 4))
          (i16x8.shr_u (local.get $second) (i32.const 8))))
      (v128.store (local.get $to) (i8x16.narrow_i16x8_u (local.get $first) (local.get $second)))
      (local.set $from (i32.add (local.get $from) (i32.const 32)))
      (local.set $to (i32.add (local.get $to) (i32.const 16)))
      (br_if $step (i32.lt_u (local.get $to) (local.get $end)))))
)
