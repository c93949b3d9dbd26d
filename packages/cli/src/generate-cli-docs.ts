import { writeFileSync } from 'node:fs';
import { renderCliDocs } from './cli-docs.js';
import { buildProgram } from './main.js';

// `npm run docs:cli`: rewrite docs/cli.md from the built program.
const program = buildProgram({ stdout: process.stdout, stderr: process.stderr }, () => {});
const target = new URL('../../../docs/cli.md', import.meta.url);
writeFileSync(target, renderCliDocs(program));
process.stdout.write(`wrote ${target.pathname}\n`);
