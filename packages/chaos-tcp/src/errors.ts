import { TrafficError } from '@traffic/core';

/** Error codes of @traffic/chaos-tcp (listed in docs/errors.md). */
export const CHAOS_ERRORS = {
  invalidToxic: 'TRAFFIC_ERR_CHAOS_INVALID_TOXIC',
  invalidBehavior: 'TRAFFIC_ERR_CHAOS_INVALID_BEHAVIOR',
  behaviorModule: 'TRAFFIC_ERR_CHAOS_BEHAVIOR_MODULE',
  proxyExists: 'TRAFFIC_ERR_CHAOS_PROXY_EXISTS',
  proxyNotFound: 'TRAFFIC_ERR_CHAOS_PROXY_NOT_FOUND',
  toxicExists: 'TRAFFIC_ERR_CHAOS_TOXIC_EXISTS',
  toxicNotFound: 'TRAFFIC_ERR_CHAOS_TOXIC_NOT_FOUND',
  configInvalid: 'TRAFFIC_ERR_CHAOS_CONFIG_INVALID',
} as const;

export type ChaosErrorCode = (typeof CHAOS_ERRORS)[keyof typeof CHAOS_ERRORS];

/** HTTP status the Toxiproxy-compatible API answers for each code (Toxiproxy's own mapping). */
export const STATUS_OF_CODE: Readonly<Record<string, number>> = Object.freeze({
  [CHAOS_ERRORS.invalidToxic]: 400,
  [CHAOS_ERRORS.invalidBehavior]: 400,
  [CHAOS_ERRORS.behaviorModule]: 400,
  [CHAOS_ERRORS.configInvalid]: 400,
  TRAFFIC_ERR_OPTION_INVALID: 400,
  [CHAOS_ERRORS.proxyExists]: 409,
  [CHAOS_ERRORS.toxicExists]: 409,
  [CHAOS_ERRORS.proxyNotFound]: 404,
  [CHAOS_ERRORS.toxicNotFound]: 404,
});

export function chaosError(
  code: ChaosErrorCode,
  message: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
): TrafficError {
  return new TrafficError(code, message, cause === undefined ? { details } : { details, cause });
}
