import type { DiffRecord } from './diff-log.js';
import type { StatsSnapshot } from './stats.js';

/** Observe-only events of a shadow proxy (core TrafficEvents). */
export type ShadowEvents = {
  /** The proxy is listening. */
  listening: (address: { host: string; port: number; url: string }) => void;
  /** A non-equal outcome (diff, shadow_error, shadow_timeout, skipped, dropped_overload, primary_error). */
  diff: (record: DiffRecord) => void;
  /** Every outcome, equal ones included. */
  exchange: (record: DiffRecord) => void;
  /** Periodic (statsIntervalMs) and final stats. */
  stats: (snapshot: StatsSnapshot, final: boolean) => void;
  /** A hook threw, or an upstream misbehaved in a way that is not an outcome. */
  error: (error: Error) => void;
  /** close() finished. */
  close: (snapshot: StatsSnapshot) => void;
};
