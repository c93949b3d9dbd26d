// Shared pieces for the side-by-side benchmarks: argument flags, a load run with autocannon,
// peak RSS of a child process, percentiles and the result table with ratios.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export const smoke = process.argv.includes('--smoke');

/** A value for the full run, or a small one for the CI smoke run. */
export function size(full, small) {
  return smoke ? small : full;
}

/** autocannon against a URL; returns { rps, p50, p99, errors, non2xx } (latencies in ms). */
export async function load(
  url,
  { connections = 50, durationS = size(10, 1), pipelining = 1, method = 'GET', body, headers } = {},
) {
  const result = await autocannon({ url, connections, duration: durationS, pipelining, method, body, headers });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Resident set size of a pid in MB (Linux /proc), or NaN. */
export function rssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Peak RSS of a pid in MB (VmHWM), or NaN. */
export function peakRssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * Start a Node script as a separate process (servers and proxies under test run out of process so
 * the load generator is not sharing their event loop). Resolves once it prints a line "READY <json>".
 */
export async function startProcess(script, args = [], { env = {}, cwd } = {}) {
  const child = spawn(process.execPath, [script, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
    cwd,
  });
  let buffer = '';
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not print READY in 15 s`)), 15_000);
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const match = /READY (.*)\n/.exec(buffer);
      if (match) {
        clearTimeout(timer);
        resolve(JSON.parse(match[1] || '{}'));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before READY`));
    });
  });
  return {
    child,
    info: ready,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([once(child, 'exit'), new Promise((resolve) => setTimeout(resolve, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** Percentile of a sorted numeric array. */
/** The upper median of the finite values (NaN when there are none). */
export function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor(sorted.length / 2)];
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

function format(value) {
  if (typeof value !== 'number') return String(value ?? '');
  if (!Number.isFinite(value)) return 'n/a';
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/**
 * Print a table: rows are objects with the same keys; `ratioOf` names a numeric column and
 * `against` the row names to divide by (adds one "×name" column each).
 */
export function printTable(title, rows, { ratioOf, against = [] } = {}) {
  const table = rows.map((row) => {
    const out = { ...row };
    for (const name of against) {
      const base = rows.find((candidate) => candidate.peer === name);
      const key = `×${name}`;
      out[key] =
        base && typeof row[ratioOf] === 'number' && base[ratioOf] ? `${format(row[ratioOf] / base[ratioOf])}×` : 'n/a';
    }
    return out;
  });
  const columns = [...new Set(table.flatMap((row) => Object.keys(row)))];
  const widths = columns.map((column) => Math.max(column.length, ...table.map((row) => format(row[column]).length)));
  const line = (cells) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n${title}`);
  console.log(line(columns));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  for (const row of table) console.log(line(columns.map((column) => format(row[column]))));
}

/** True when a command exists on PATH (for optional Debian peers: nginx, haproxy). */
export async function hasCommand(name) {
  const child = spawn('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
  const [code] = await once(child, 'exit');
  return code === 0;
}
