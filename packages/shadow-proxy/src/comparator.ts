import type { BodyKind, ObservedBody } from './compare-body.js';
import { compareBodies } from './compare-body.js';
import { compareHeaders } from './compare-headers.js';
import type { Difference } from './difference.js';
import { differenceKey, pointerMatcher } from './difference.js';

/**
 * The built-in comparison of two responses: status, headers (minus the ignore list), then bodies.
 * Replaceable: set `compare` on the proxy or skip it per request in backendsFinished.
 */
export interface ObservedResponse extends ObservedBody {
  status: number;
  rawHeaders: readonly string[];
}

export interface ComparatorOptions {
  ignoreHeaders: ReadonlySet<string>;
  ignorePaths: readonly string[];
  arrayKeys: Readonly<Record<string, string>>;
  maxDifferences: number;
  /** Most bytes a decoded body may grow to (zip bombs are a decode error, not an OOM). */
  decodeLimit: number;
}

export interface Comparison {
  differences: Difference[];
  bodyKind: BodyKind;
}

export type Comparator = (master: ObservedResponse, shadow: ObservedResponse) => Comparison;

export function createComparator(options: ComparatorOptions): Comparator {
  const ignore = pointerMatcher(options.ignorePaths);
  return (master, shadow) => {
    const differences: Difference[] = [];
    if (master.status !== shadow.status)
      differences.push({ kind: 'status', path: 'status', master: master.status, shadow: shadow.status });
    compareHeaders(master.rawHeaders, shadow.rawHeaders, options.ignoreHeaders, differences, options.maxDifferences);
    const bodyKind = compareBodies(
      master,
      shadow,
      { ignore, arrayKeys: options.arrayKeys, max: options.maxDifferences, decodeLimit: options.decodeLimit },
      differences,
    );
    return { differences, bodyKind };
  };
}

/**
 * Noise cancellation (Diffy's idea): a difference that also shows between two instances of the
 * master (or lies under such a path) is noise, not a regression.
 */
export function cancelNoise(
  differences: readonly Difference[],
  noise: readonly Difference[],
): { kept: Difference[]; cancelled: number } {
  if (noise.length === 0) return { kept: differences.slice(), cancelled: 0 };
  const keys = new Set(noise.map(differenceKey));
  const bodyPaths = noise.filter((item) => item.kind === 'body' && item.path.startsWith('/')).map((item) => item.path);
  const under = pointerMatcher(bodyPaths);
  const kept: Difference[] = [];
  let cancelled = 0;
  for (const difference of differences) {
    const noisy =
      keys.has(differenceKey(difference)) ||
      (difference.kind === 'body' && difference.path.startsWith('/') && under(difference.path));
    if (noisy) cancelled++;
    else kept.push(difference);
  }
  return { kept, cancelled };
}

/** The first value of a header in a [name, value, ...] list (case-insensitive). */
export function headerOf(raw: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) if ((raw[i] as string).toLowerCase() === lowerName) return raw[i + 1];
  return undefined;
}
