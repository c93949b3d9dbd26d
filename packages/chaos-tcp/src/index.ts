export type { MixEntry, MixSettings } from './behavior-mix.js';
export {
  BehaviorMix,
  behaviorRegistry,
  coerceOption,
  createBehaviorMix,
  parseBehaviorSpec,
  resolveBehaviorOptions,
} from './behavior-mix.js';
export type {
  BehaviorDefinition,
  CallContext,
  OptionSpec,
  OptionType,
  OptionValue,
  ProtocolName,
  Verdict,
} from './behavior-types.js';
export { BUILTIN_BEHAVIORS } from './builtin-behaviors.js';
export type { ChaosEvents, ChaosProxyOptions, ChaosProxyStats, FaultEvent, ProxyJson } from './chaos-proxy.js';
export { CHAOS_PROXY_DEFAULTS, ChaosProxy, createChaosProxy } from './chaos-proxy.js';
export { loadBehaviorModule, validateBehaviorDefinition } from './custom-behavior.js';
export type { ChaosErrorCode } from './errors.js';
export { CHAOS_ERRORS } from './errors.js';
export type { Prng } from './prng.js';
export { createPrng } from './prng.js';
export { PROTOCOLS } from './protocols/index.js';
export type { Stream, ToxicJson, ToxicType } from './toxic-spec.js';
export { parseToxicJson, TOXIC_ATTRIBUTES, TOXIC_TYPES, Toxic } from './toxic-spec.js';
export { API_VERSION, createToxiproxyHandler } from './toxiproxy-api.js';
export type { ToxiproxyServerOptions } from './toxiproxy-server.js';
export { createToxiproxyServer, TOXIPROXY_SERVER_DEFAULTS, ToxiproxyServer } from './toxiproxy-server.js';
export type { VaurienConfig } from './vaurien-ini.js';
export { parseVaurienIni, readVaurienIni } from './vaurien-ini.js';
