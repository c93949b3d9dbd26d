import type { ArrayDelta, Delta, ObjectDelta } from 'jsondiffpatch';
import { create } from 'jsondiffpatch';
import type { Difference } from './difference.js';
import { pointerMatcher, pointerSegment } from './difference.js';

/**
 * Structural JSON comparison with jsondiffpatch, reported as JSON pointers. Arrays are compared by
 * position; arrays named in `arrayKeys` are compared without order, matching items by a key field
 * (the shadow's items are put in the master's order first, so pointers index the master's array).
 */
const differ = create({ matchByPosition: true, arrays: { detectMove: false }, cloneDiffValues: false });

export interface JsonDiffOptions {
  ignore: (pointer: string) => boolean;
  arrayKeys: Readonly<Record<string, string>>;
  max: number;
}

export function jsonDifferences(master: unknown, shadow: unknown, options: JsonDiffOptions): Difference[] {
  const keyed = Object.entries(options.arrayKeys);
  const right = keyed.length === 0 ? shadow : reorderKeyed(master, shadow, '', keyedMatcher(keyed));
  const delta = differ.diff(master, right);
  const out: Difference[] = [];
  if (delta !== undefined) walk(delta, '', out, options);
  return out;
}

function walk(delta: Delta, pointer: string, out: Difference[], options: JsonDiffOptions): void {
  if (out.length >= options.max) return;
  if (Array.isArray(delta)) {
    if (options.ignore(pointer)) return;
    if (delta.length === 1) out.push({ kind: 'body', path: pointer, master: undefined, shadow: delta[0] });
    else if (delta.length === 2) out.push({ kind: 'body', path: pointer, master: delta[0], shadow: delta[1] });
    else if (delta[2] === 0) out.push({ kind: 'body', path: pointer, master: delta[0], shadow: undefined });
    // Moves (3) are not reported: position changes only matter for ordered arrays, shown as edits.
    return;
  }
  if (delta === undefined || typeof delta !== 'object') return;
  if ((delta as ArrayDelta)._t === 'a') {
    walkArray(delta as ArrayDelta, pointer, out, options);
    return;
  }
  for (const [key, child] of Object.entries(delta as ObjectDelta))
    walk(child, `${pointer}/${pointerSegment(key)}`, out, options);
}

function walkArray(delta: ArrayDelta, pointer: string, out: Difference[], options: JsonDiffOptions): void {
  const removed = new Map<number, unknown>();
  const added = new Map<number, unknown>();
  const nested: [number, Delta][] = [];
  for (const [key, child] of Object.entries(delta)) {
    if (key === '_t') continue;
    if (key.startsWith('_')) {
      if (Array.isArray(child) && child[2] === 0) removed.set(Number(key.slice(1)), child[0]);
    } else if (Array.isArray(child) && child.length === 1) added.set(Number(key), child[0]);
    else nested.push([Number(key), child as Delta]);
  }
  const indices = [...new Set([...removed.keys(), ...added.keys(), ...nested.map(([index]) => index)])].sort(
    (a, b) => a - b,
  );
  for (const index of indices) {
    if (out.length >= options.max) return;
    const path = `${pointer}/${index}`;
    const child = nested.find(([at]) => at === index);
    if (child !== undefined) walk(child[1], path, out, options);
    if (removed.has(index) || added.has(index)) {
      if (options.ignore(path)) continue;
      out.push({ kind: 'body', path, master: removed.get(index), shadow: added.get(index) });
    }
  }
}

function keyedMatcher(entries: [string, string][]): (pointer: string) => string | undefined {
  const matchers = entries.map(([pattern, key]) => {
    const exact = pointerMatcher([pattern]);
    const depth = pattern === '' ? 0 : pattern.split('/').length - 1;
    return { key, matches: (pointer: string) => exact(pointer) && depthOf(pointer) === depth };
  });
  return (pointer) => matchers.find((matcher) => matcher.matches(pointer))?.key;
}

function depthOf(pointer: string): number {
  return pointer === '' ? 0 : pointer.split('/').length - 1;
}

/** A copy of `shadow` whose keyed arrays follow the master's order (unmatched items at the end). */
function reorderKeyed(
  master: unknown,
  shadow: unknown,
  pointer: string,
  keyFor: (pointer: string) => string | undefined,
): unknown {
  if (Array.isArray(master) && Array.isArray(shadow)) {
    const key = keyFor(pointer);
    let items = shadow;
    if (key !== undefined) {
      const byKey = new Map<string, unknown[]>();
      const rest: unknown[] = [];
      for (const item of shadow) {
        const id = keyOf(item, key);
        if (id === undefined) rest.push(item);
        else {
          const list = byKey.get(id);
          if (list === undefined) byKey.set(id, [item]);
          else list.push(item);
        }
      }
      const ordered: unknown[] = [];
      for (const item of master) {
        const id = keyOf(item, key);
        const match = id === undefined ? undefined : byKey.get(id)?.shift();
        if (match !== undefined) ordered.push(match);
      }
      for (const list of byKey.values()) ordered.push(...list);
      items = [...ordered, ...rest];
    }
    return items.map((item, index) => reorderKeyed(master[index], item, `${pointer}/${index}`, keyFor));
  }
  if (isObject(master) && isObject(shadow)) {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(shadow)) {
      out[name] = reorderKeyed(master[name], value, `${pointer}/${pointerSegment(name)}`, keyFor);
    }
    return out;
  }
  return shadow;
}

function keyOf(item: unknown, key: string): string | undefined {
  if (!isObject(item)) return undefined;
  const value = item[key];
  return value === undefined || value === null ? undefined : JSON.stringify(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
