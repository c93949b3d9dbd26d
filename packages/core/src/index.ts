export { BoundedMap } from './bounded-map.js';
export type { Clock, TimerHandle } from './clock.js';
export { elapsedMs, formatGoDuration, systemClock } from './clock.js';
export { describeValue, InvalidOptionError, isTrafficError, TrafficError, toError } from './errors.js';
export type { EventMap } from './events.js';
export { TrafficEvents } from './events.js';
export { HookEvent } from './hook-event.js';
export type { HookListener, HookOptions, HookRegistryOptions, HookStats, ReturnHandler } from './hooks.js';
export { HookRegistry } from './hooks.js';
export {
  connectionHeaderNames,
  connectionNamesRaw,
  HOP_BY_HOP_HEADERS,
  isHopByHop,
  stripHopByHop,
  stripHopByHopRaw,
} from './hop-by-hop.js';
export type { BoundAddress } from './listen.js';
export { hostForUrl, listenOn } from './listen.js';
export type { LogFn, LogFormat, Logger, LoggerOptions, LogLevel } from './logger.js';
export { createLogger, LOG_LEVELS, noopLogger } from './logger.js';
export * from './message/index.js';
export type { HostPort } from './options.js';
export {
  booleanOption,
  functionOption,
  hostPortOption,
  integerOption,
  numberOption,
  oneOfOption,
  rejectUnknownOptions,
  stringOption,
  urlOption,
} from './options.js';
export { rawHeaderStrings } from './raw-headers.js';
export { allocSmall } from './small-buffers.js';
