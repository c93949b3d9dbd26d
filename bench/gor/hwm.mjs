// Preloaded into every middleware process of the benchmark: reports peak RSS (VmHWM) and CPU time on exit.
import { readFileSync, writeSync } from 'node:fs';

process.on('exit', () => {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  if (match) writeSync(2, `\nBENCH_VMHWM_KB ${match[1]}\n`);
  const cpu = process.cpuUsage();
  writeSync(2, `\nBENCH_CPU_US ${cpu.user + cpu.system}\n`);
});
