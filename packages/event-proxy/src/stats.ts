import type { TransactionOutcome } from './types.js';

export type OutcomeCounts = Record<TransactionOutcome, number>;

/** Counters every transaction updates (cheap integer increments, also on the fast path). */
export interface ProxyStats {
  transactions: number;
  inFlight: number;
  outcomes: OutcomeCounts;
  listenerErrors: number;
  upgrades: number;
  upgradeErrors: number;
  /** Malformed requests node:http rejected before a transaction began (answered 400 or closed). */
  clientErrors: number;
}

export function createStats(): ProxyStats {
  return {
    transactions: 0,
    inFlight: 0,
    outcomes: {
      ok: 0,
      forged: 0,
      upstream_error: 0,
      timeout: 0,
      client_aborted: 0,
      listener_error: 0,
      rejected: 0,
    },
    listenerErrors: 0,
    upgrades: 0,
    upgradeErrors: 0,
    clientErrors: 0,
  };
}
