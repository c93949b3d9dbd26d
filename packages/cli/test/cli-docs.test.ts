import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { helpOf, renderCliDocs } from '../src/cli-docs.js';
import { buildProgram } from '../src/main.js';

describe('docs/cli.md', () => {
  const program = buildProgram({ stdout: new PassThrough(), stderr: new PassThrough() }, () => {});

  it('matches the help of every command (run `npm run docs:cli` after changing flags)', () => {
    const onDisk = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(renderCliDocs(program));
  });

  it('ends every command help with a real example line', () => {
    for (const command of [program, ...program.commands]) {
      expect(helpOf(command), `${command.name()} --help`).toMatch(/Examples?:\n\s+traffic /);
    }
  });
});
