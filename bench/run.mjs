#!/usr/bin/env node
// npm run bench -- <tool> [--smoke]   runs bench/<tool>/run.mjs (its peers side by side, one table)
// npm run bench -- --smoke            runs every tool's benchmark with tiny sizes (what CI does)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const named = args.filter((arg) => !arg.startsWith('--'));
const here = new URL('.', import.meta.url).pathname;
const tools = readdirSync(here, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(`${here}${entry.name}/run.mjs`))
  .map((entry) => entry.name);

const chosen = named.length > 0 ? named : smoke ? tools : [];
if (smoke && chosen.length === 0) {
  console.log('no benchmarks to smoke-test');
  process.exit(0);
}
if (chosen.length === 0) {
  console.error(`usage: npm run bench -- <tool> [--smoke]\ntools: ${tools.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const tool of chosen) {
  if (!tools.includes(tool)) {
    console.error(`unknown benchmark ${JSON.stringify(tool)}; tools: ${tools.join(', ')}`);
    process.exit(2);
  }
  console.log(`\n### bench ${tool}${smoke ? ' (smoke)' : ''}`);
  const result = spawnSync(
    process.execPath,
    ['--expose-gc', `${here}${tool}/run.mjs`, ...args.filter((arg) => arg.startsWith('--'))],
    {
      stdio: 'inherit',
    },
  );
  if (result.status !== 0) {
    console.error(`bench ${tool} exited with ${result.status ?? result.signal}`);
    failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
