// Preloaded into every middleware process of the benchmark: reports the peak RSS (VmHWM) on exit.
import { readFileSync, writeSync } from 'node:fs';

process.on('exit', () => {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  if (match) writeSync(2, `\nBENCH_VMHWM_KB ${match[1]}\n`);
});
