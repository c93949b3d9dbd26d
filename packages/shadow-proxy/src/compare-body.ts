import { isUtf8 } from 'node:buffer';
import { decodeContentEncoding } from '@traffic/core';
import { create } from 'jsondiffpatch';
import type { Difference } from './difference.js';
import type { JsonDiffOptions } from './json-diff.js';
import { jsonDifferences } from './json-diff.js';

/**
 * Body comparison after undoing Content-Encoding: JSON structurally, text by lines, anything else
 * by sha256. A body over the capture cap is compared by length and streaming hash of the bytes as
 * received.
 */
export interface ObservedBody {
  /** Kept bytes, still content-encoded. */
  body: Buffer;
  bytes: number;
  truncated: boolean;
  /** sha256 (hex) of the whole body as received; read only when bytes are compared. */
  readonly sha256: string;
  contentType: string | undefined;
  contentEncoding: string | undefined;
}

export type BodyKind = 'json' | 'text' | 'binary' | 'hash' | 'empty';

const lineDiffer = create({ arrays: { detectMove: false } });

export function compareBodies(
  master: ObservedBody,
  shadow: ObservedBody,
  options: JsonDiffOptions & { decodeLimit: number },
  out: Difference[],
): BodyKind {
  if (master.truncated || shadow.truncated) {
    if (master.bytes !== shadow.bytes)
      out.push({ kind: 'body', path: '(length)', master: master.bytes, shadow: shadow.bytes });
    if (master.sha256 !== shadow.sha256)
      out.push({ kind: 'body', path: '(sha256)', master: master.sha256, shadow: shadow.sha256 });
    return 'hash';
  }
  const left = decode(master, options.decodeLimit);
  const right = decode(shadow, options.decodeLimit);
  if (left instanceof Error || right instanceof Error) {
    out.push({
      kind: 'body',
      path: '(decode)',
      master: left instanceof Error ? left.message : 'ok',
      shadow: right instanceof Error ? right.message : 'ok',
    });
    if (master.sha256 !== shadow.sha256)
      out.push({ kind: 'body', path: '(sha256)', master: master.sha256, shadow: shadow.sha256 });
    return 'hash';
  }
  if (left.length === 0 && right.length === 0) return 'empty';
  const kind = kindOf(master.contentType, left, shadow.contentType, right);
  // Equal bytes are equal whatever the format: the common case costs one memcmp, no parse.
  if (left.equals(right)) return kind;
  if (kind === 'json') {
    const a = parseJson(left);
    const b = parseJson(right);
    if (a !== undefined && b !== undefined) {
      const before = out.length;
      out.push(...jsonDifferences(a.value, b.value, { ...options, max: options.max - before }));
      return 'json';
    }
  }
  if (kind === 'binary') {
    out.push({ kind: 'body', path: '(sha256)', master: master.sha256, shadow: shadow.sha256 });
    return 'binary';
  }
  textDifferences(left.toString('utf8'), right.toString('utf8'), out, options.max);
  return 'text';
}

function decode(observed: ObservedBody, limit: number): Buffer | Error {
  try {
    return decodeContentEncoding(observed.body, observed.contentEncoding, { maxBytes: limit });
  } catch (error) {
    return error as Error;
  }
}

function kindOf(typeA: string | undefined, a: Buffer, typeB: string | undefined, b: Buffer): BodyKind {
  const type = (typeA ?? typeB ?? '').toLowerCase();
  if (/[/+]json\b/.test(type)) return 'json';
  if (/^text\/|xml|javascript|x-www-form-urlencoded|yaml|csv/.test(type)) return 'text';
  if (type === '' && looksLikeJson(a) && looksLikeJson(b)) return 'json';
  if (isUtf8(a) && isUtf8(b) && !a.includes(0) && !b.includes(0)) return 'text';
  return 'binary';
}

function looksLikeJson(body: Buffer): boolean {
  for (const byte of body) {
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue;
    return byte === 0x7b || byte === 0x5b;
  }
  return false;
}

function parseJson(body: Buffer): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(body.toString('utf8')) };
  } catch {
    return undefined;
  }
}

/** Line diff (LCS via jsondiffpatch): "line N" is 1-based in the master, or in the shadow for added lines. */
function textDifferences(a: string, b: string, out: Difference[], max: number): void {
  const left = a.split(/\r?\n/);
  const right = b.split(/\r?\n/);
  const delta = lineDiffer.diff(left, right) as Record<string, unknown> | undefined;
  if (delta === undefined) return;
  const removed = new Map<number, string>();
  const added = new Map<number, string>();
  for (const [key, change] of Object.entries(delta)) {
    if (key === '_t' || !Array.isArray(change)) continue;
    if (key.startsWith('_') && change[2] === 0) removed.set(Number(key.slice(1)), change[0] as string);
    else if (!key.startsWith('_') && change.length === 1) added.set(Number(key), change[0] as string);
  }
  const lines = [...new Set([...removed.keys(), ...added.keys()])].sort((x, y) => x - y);
  for (const index of lines) {
    if (out.length >= max) return;
    out.push({ kind: 'body', path: `line ${index + 1}`, master: removed.get(index), shadow: added.get(index) });
  }
}
