/**
 * Every exchange (one client request × one shadow backend) ends in exactly one outcome. The counters
 * are plain fields: incrementing them is the only cost on the hot path.
 */
export type Outcome =
  | 'equal'
  | 'diff'
  | 'shadow_error'
  | 'shadow_timeout'
  | 'skipped'
  | 'dropped_overload'
  | 'primary_error';

export const OUTCOMES: readonly Outcome[] = Object.freeze([
  'equal',
  'diff',
  'shadow_error',
  'shadow_timeout',
  'skipped',
  'dropped_overload',
  'primary_error',
]);

/** Why an exchange was skipped. */
export type SkipReason =
  | 'method'
  | 'sampled_out'
  | 'body_too_large'
  | 'body_incomplete'
  | 'already_shadow'
  | 'upgrade'
  | 'client_aborted'
  | 'hook'
  | 'closing';

export type OutcomeCounts = Record<Outcome, number>;

export function emptyOutcomeCounts(): OutcomeCounts {
  return {
    equal: 0,
    diff: 0,
    shadow_error: 0,
    shadow_timeout: 0,
    skipped: 0,
    dropped_overload: 0,
    primary_error: 0,
  };
}
