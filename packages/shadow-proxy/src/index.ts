export type { Backend } from './backend-pool.js';
export type { Comparator, ComparatorOptions, Comparison, ObservedResponse } from './comparator.js';
export { cancelNoise, createComparator } from './comparator.js';
export type { ObservedBody } from './compare-body.js';
export { compareBodies } from './compare-body.js';
export { compareHeaders } from './compare-headers.js';
export type { DiffRecord } from './diff-log.js';
export { DiffLog, redactRecord } from './diff-log.js';
export type { Difference } from './difference.js';
export { pointerMatcher } from './difference.js';
export type { ShadowErrorCode } from './errors.js';
export { SHADOW_ERRORS } from './errors.js';
export type {
  BackendResult,
  BackendRole,
  BackendsFinishedListener,
  MungeRequestListener,
  SelectBackendsListener,
  ShadowHooks,
  ShadowRequest,
  UpstreamRequest,
} from './hooks.js';
export { BackendsFinishedEvent, MungeRequestEvent, SelectBackendsEvent } from './hooks.js';
export { jsonDifferences } from './json-diff.js';
export { LatencyHistogram } from './latency-histogram.js';
export type { BackendOptions, HostPolicy, RouteRule, ShadowProxyOptions } from './options.js';
export { DEFAULT_IGNORE_HEADERS, DEFAULT_REDACT_FIELDS, DEFAULT_REDACT_HEADERS, DEFAULTS } from './options.js';
export type { Outcome, OutcomeCounts, SkipReason } from './outcomes.js';
export { OUTCOMES } from './outcomes.js';
export type { Redactor } from './redact.js';
export { createRedactor, REDACTED } from './redact.js';
export type { ShadowEvents } from './shadow-events.js';
export type { RequestHandler, ShadowProxyAddress } from './shadow-proxy.js';
export { createShadowProxy, ShadowProxy } from './shadow-proxy.js';
export type { EndpointStats, StatsSnapshot } from './stats.js';
export { endpointKey, formatStats } from './stats.js';
