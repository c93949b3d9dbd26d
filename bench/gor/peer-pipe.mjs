// The ceiling: no middleware can beat moving the bytes.
process.stdin.pipe(process.stdout);
