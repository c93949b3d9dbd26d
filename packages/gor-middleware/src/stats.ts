/** Counters kept by every middleware: nothing dropped or skipped goes uncounted. */
export type TypeName = 'request' | 'response' | 'replay' | 'other';

export interface TypeStats {
  /** Messages received. */
  in: number;
  /** Messages written out (changed or not; includes `modified`). */
  forwarded: number;
  /** Messages a handler filtered (returned null/undefined/false). */
  filtered: number;
  /** Forwarded messages whose header or HTTP bytes a handler replaced. */
  modified: number;
  /** Messages whose handler threw or returned something that is not a message. */
  errors: number;
}

export interface GorStats {
  /** Input lines (or file records) read. */
  lines: number;
  /** Empty lines, ignored. */
  empty: number;
  /** Lines skipped because they are not valid protocol (bad hex, no header...). */
  malformed: number;
  /** Lines skipped because they exceed maxLineBytes. */
  tooLong: number;
  byType: Record<TypeName, TypeStats>;
  /** Keyed handlers alive, evicted by the bound, expired by the TTL. */
  keyed: { live: number; evicted: number; expired: number };
}

export function typeName(type: string): TypeName {
  return type === '1' ? 'request' : type === '2' ? 'response' : type === '3' ? 'replay' : 'other';
}

function emptyType(): TypeStats {
  return { in: 0, forwarded: 0, filtered: 0, modified: 0, errors: 0 };
}

export function emptyStats(): GorStats {
  return {
    lines: 0,
    empty: 0,
    malformed: 0,
    tooLong: 0,
    byType: { request: emptyType(), response: emptyType(), replay: emptyType(), other: emptyType() },
    keyed: { live: 0, evicted: 0, expired: 0 },
  };
}

/** Add `from` into `into` (worker threads report their counters this way). */
export function addStats(into: GorStats, from: GorStats): void {
  into.lines += from.lines;
  into.empty += from.empty;
  into.malformed += from.malformed;
  into.tooLong += from.tooLong;
  for (const name of Object.keys(into.byType) as TypeName[]) {
    const a = into.byType[name];
    const b = from.byType[name];
    a.in += b.in;
    a.forwarded += b.forwarded;
    a.filtered += b.filtered;
    a.modified += b.modified;
    a.errors += b.errors;
  }
  into.keyed.live += from.keyed.live;
  into.keyed.evicted += from.keyed.evicted;
  into.keyed.expired += from.keyed.expired;
}
