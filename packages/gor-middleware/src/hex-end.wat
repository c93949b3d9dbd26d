;; hexEnd(from, end): the offset of the first byte in [from, end) of this module's memory that is
;; not a lowercase hex digit, or `end` when every byte is one. The caller copies a chunk of input
;; to offset 0 and calls this once per line: a clean line's scan stops at its own "\n".
;;
;; 16 bytes per step: a byte is a digit when (byte - '0') < 10 and a letter a-f when
;; (byte - 'a') < 6, both as unsigned bytes. The last step may read up to 15 bytes past `end`,
;; so the memory must extend 16 bytes past the data; a stop found there is reported as `end`.
(module
  (memory (export "memory") 1)
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
)
