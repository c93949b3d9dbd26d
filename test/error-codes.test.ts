import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Every TRAFFIC_ERR_* code used in a package's source must be listed in docs/errors.md, and every
// code the doc lists must still exist in the source: users look codes up there.
const root = new URL('..', import.meta.url).pathname;
const CODE = /TRAFFIC_ERR_[A-Z0-9_]*[A-Z0-9]/g;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

function codesInSource(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const pkg of readdirSync(join(root, 'packages'))) {
    const src = join(root, 'packages', pkg, 'src');
    try {
      statSync(src);
    } catch {
      continue;
    }
    for (const file of sourceFiles(src)) {
      for (const match of readFileSync(file, 'utf8').matchAll(CODE)) codes.set(match[0], file.slice(root.length));
    }
  }
  return codes;
}

describe('docs/errors.md', () => {
  const doc = readFileSync(join(root, 'docs/errors.md'), 'utf8');
  const documented = new Set(doc.match(CODE) ?? []);
  const used = codesInSource();

  it('lists every error code the source uses', () => {
    const missing = [...used].filter(([code]) => !documented.has(code)).map(([code, file]) => `${code} (${file})`);
    expect(missing).toEqual([]);
  });

  it('lists no code the source no longer uses', () => {
    expect([...documented].filter((code) => !used.has(code))).toEqual([]);
  });

  it('documents each code in a table row with a meaning', () => {
    for (const code of documented) expect(doc).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|[^|]{10,}\\|`));
  });
});
