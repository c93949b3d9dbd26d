import { TrafficError } from '@traffic/core';

/** Codes this package raises or reports (docs/errors.md, section http-logger). */
export const HTTP_LOGGER_ERRORS = Object.freeze({
  /** A sink's stream failed or a function sink threw; its lines are dropped and counted. */
  sinkFailed: 'TRAFFIC_ERR_HTTP_LOGGER_SINK_FAILED',
  /** countersHandler() was asked for on a logger created without counters. */
  countersDisabled: 'TRAFFIC_ERR_HTTP_LOGGER_COUNTERS_DISABLED',
  /** A user callback (extraFields, skip, routeTemplate) threw; the request is still logged. */
  callbackFailed: 'TRAFFIC_ERR_HTTP_LOGGER_CALLBACK_FAILED',
});

export function sinkFailedError(sink: string, cause: unknown): TrafficError {
  return new TrafficError(HTTP_LOGGER_ERRORS.sinkFailed, `log sink ${sink} failed; its lines are dropped and counted`, {
    cause,
    details: { sink },
  });
}
