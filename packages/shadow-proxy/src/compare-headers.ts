import type { Difference } from './difference.js';

/**
 * Headers compared case-insensitively. Repeated lines of a list header are joined with ", " (RFC
 * 9110 §5.3), so "Vary: a" + "Vary: b" equals "Vary: a, b"; Set-Cookie is never joined (its Expires
 * has commas) and is compared as a set of lines.
 */
export function compareHeaders(
  master: readonly string[],
  shadow: readonly string[],
  ignore: ReadonlySet<string>,
  out: Difference[],
  max: number,
): void {
  const a = normalize(master, ignore);
  const b = normalize(shadow, ignore);
  const names = new Set([...a.keys(), ...b.keys()]);
  for (const name of [...names].sort()) {
    if (out.length >= max) return;
    const left = a.get(name);
    const right = b.get(name);
    if (left !== right) out.push({ kind: 'header', path: name, master: left ?? null, shadow: right ?? null });
  }
}

function normalize(raw: readonly string[], ignore: ReadonlySet<string>): Map<string, string> {
  const lists = new Map<string, string[]>();
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (ignore.has(name)) continue;
    const value = (raw[i + 1] as string).trim();
    const list = lists.get(name);
    if (list === undefined) lists.set(name, [value]);
    else list.push(value);
  }
  const out = new Map<string, string>();
  for (const [name, values] of lists) {
    if (name === 'set-cookie') out.set(name, values.slice().sort().join('\n'));
    else out.set(name, values.join(', ').replace(/\s*,\s*/g, ', '));
  }
  return out;
}
