import { BoundedMap } from '@traffic/core';

/** Status classes counted: index 0 is "no status sent" (aborted before the head), then 1xx..5xx. */
export const STATUS_CLASSES = Object.freeze(['none', '1xx', '2xx', '3xx', '4xx', '5xx'] as const);
export type StatusClass = (typeof STATUS_CLASSES)[number];

export const OTHER_ROUTE = 'other';

export interface RouteCounts {
  method: string;
  route: string;
  requests: number;
  aborted: number;
  bytes: number;
  durationMsSum: number;
  /** Indexed like STATUS_CLASSES. */
  statusClasses: number[];
}

export interface CountersSnapshot {
  requests: number;
  aborted: number;
  status: Record<StatusClass, number>;
  routes: Record<
    string,
    {
      method: string;
      route: string;
      requests: number;
      aborted: number;
      bytes: number;
      duration_ms_sum: number;
      status: Record<StatusClass, number>;
    }
  >;
  /** Requests counted under the `other` route because the route table was full. */
  routes_overflow: number;
  max_routes: number;
}

function statusIndex(status: number): number {
  const index = Math.trunc(status / 100);
  return index >= 1 && index <= 5 ? index : 0;
}

function emptyCounts(method: string, route: string): RouteCounts {
  return { method, route, requests: 0, aborted: 0, bytes: 0, durationMsSum: 0, statusClasses: [0, 0, 0, 0, 0, 0] };
}

/**
 * Request counters per status class and per (method, route template). The route table has a fixed
 * size: once full, new routes are counted in one `other` bucket (and that overflow is counted), so a
 * scan of 10k distinct URLs cannot grow memory.
 */
export class RequestCounters {
  readonly #routes: BoundedMap<string, RouteCounts>;
  readonly #other = emptyCounts('*', OTHER_ROUTE);
  readonly #statusClasses = [0, 0, 0, 0, 0, 0];
  #requests = 0;
  #aborted = 0;
  #overflow = 0;

  constructor(maxRoutes: number) {
    this.#routes = new BoundedMap(maxRoutes);
  }

  get routeCount(): number {
    return this.#routes.size;
  }

  get overflow(): number {
    return this.#overflow;
  }

  record(method: string, route: string, status: number, aborted: boolean, durationMs: number, bytes: number): void {
    const cls = statusIndex(status);
    this.#requests++;
    this.#statusClasses[cls] = (this.#statusClasses[cls] ?? 0) + 1;
    if (aborted) this.#aborted++;
    const key = `${method} ${route}`;
    let counts = this.#routes.get(key);
    if (counts === undefined) {
      if (this.#routes.size >= this.#routes.max) {
        this.#overflow++;
        counts = this.#other;
      } else {
        counts = emptyCounts(method, route);
        this.#routes.set(key, counts);
      }
    }
    counts.requests++;
    counts.statusClasses[cls] = (counts.statusClasses[cls] ?? 0) + 1;
    if (aborted) counts.aborted++;
    counts.bytes += bytes;
    counts.durationMsSum += durationMs;
  }

  /** Every route bucket, the `other` bucket last (only when it was used). */
  *buckets(): IterableIterator<RouteCounts> {
    yield* this.#routes.values();
    if (this.#other.requests > 0) yield this.#other;
  }

  statusTotals(): readonly number[] {
    return this.#statusClasses;
  }

  get requests(): number {
    return this.#requests;
  }

  get aborted(): number {
    return this.#aborted;
  }

  get maxRoutes(): number {
    return this.#routes.max;
  }

  snapshot(): CountersSnapshot {
    const routes: CountersSnapshot['routes'] = {};
    for (const counts of this.buckets()) {
      routes[counts.route === OTHER_ROUTE && counts.method === '*' ? OTHER_ROUTE : `${counts.method} ${counts.route}`] =
        {
          method: counts.method,
          route: counts.route,
          requests: counts.requests,
          aborted: counts.aborted,
          bytes: counts.bytes,
          duration_ms_sum: counts.durationMsSum,
          status: byClass(counts.statusClasses),
        };
    }
    return {
      requests: this.#requests,
      aborted: this.#aborted,
      status: byClass(this.#statusClasses),
      routes,
      routes_overflow: this.#overflow,
      max_routes: this.#routes.max,
    };
  }
}

function byClass(values: readonly number[]): Record<StatusClass, number> {
  const out = {} as Record<StatusClass, number>;
  STATUS_CLASSES.forEach((name, i) => {
    out[name] = values[i] ?? 0;
  });
  return out;
}
