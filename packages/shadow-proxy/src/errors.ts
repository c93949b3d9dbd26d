import { TrafficError } from '@traffic/core';

/** Every code the shadow proxy raises or puts on a proxy-made response; listed in docs/errors.md. */
export const SHADOW_ERRORS = Object.freeze({
  masterUnreachable: 'TRAFFIC_ERR_SHADOW_MASTER_UNREACHABLE',
  masterTimeout: 'TRAFFIC_ERR_SHADOW_MASTER_TIMEOUT',
  masterFailed: 'TRAFFIC_ERR_SHADOW_MASTER_FAILED',
  noMaster: 'TRAFFIC_ERR_SHADOW_NO_MASTER',
  duplicateBackend: 'TRAFFIC_ERR_SHADOW_DUPLICATE_BACKEND',
  unknownBackend: 'TRAFFIC_ERR_SHADOW_UNKNOWN_BACKEND',
  loopDetected: 'TRAFFIC_ERR_SHADOW_LOOP',
  badTarget: 'TRAFFIC_ERR_SHADOW_BAD_TARGET',
  bodyTooLarge: 'TRAFFIC_ERR_SHADOW_BODY_TOO_LARGE',
  hookFailed: 'TRAFFIC_ERR_SHADOW_HOOK_FAILED',
  alreadyListening: 'TRAFFIC_ERR_SHADOW_ALREADY_LISTENING',
} as const);

export type ShadowErrorCode = (typeof SHADOW_ERRORS)[keyof typeof SHADOW_ERRORS];

export function shadowError(code: ShadowErrorCode, message: string, cause?: unknown): TrafficError {
  return new TrafficError(code, message, cause === undefined ? {} : { cause });
}
