import type { BehaviorDefinition } from './behavior-types.js';

/** Vaurien's behaviours, with their options as (description, type, default). */
const dummy: BehaviorDefinition = {
  name: 'dummy',
  description: 'Transparent: every call passes unchanged.',
  options: {},
};

const delay: BehaviorDefinition = {
  name: 'delay',
  description: 'Waits before forwarding the request (before=true) or before returning the response.',
  options: {
    sleep: ['Delay in seconds', 'float', 1],
    before: ['Delay the request (true) or the response (false)', 'bool', true],
  },
  onRequest: (call) => (call.options.before ? { delayMs: Number(call.options.sleep) * 1000 } : undefined),
  onResponse: (call) => (call.options.before ? undefined : { delayMs: Number(call.options.sleep) * 1000 }),
};

const error: BehaviorDefinition = {
  name: 'error',
  description: 'Answers a protocol-valid error instead of forwarding (random bytes in tcp mode).',
  options: {
    warmup: ['Calls to forward unchanged before erroring', 'int', 0],
  },
  onRequest: (call) => (call.calls < Number(call.options.warmup) ? undefined : { reply: call.errorReply() }),
};

const hang: BehaviorDefinition = {
  name: 'hang',
  description: 'Reads the request and never answers; the connection stays open.',
  options: {},
  onRequest: () => 'drop',
};

const blackout: BehaviorDefinition = {
  name: 'blackout',
  description: 'Closes the client connection on the call without forwarding it.',
  options: {},
  onRequest: () => 'close',
};

const transient: BehaviorDefinition = {
  name: 'transient',
  description: 'The first stop_count calls are blacked out (connection closed), later calls pass.',
  options: {
    stop_count: ['Number of calls that fail before calls pass again', 'int', 5],
  },
  onRequest: (call) => (call.calls < Number(call.options.stop_count) ? 'close' : undefined),
};

const abort: BehaviorDefinition = {
  name: 'abort',
  description: 'Aborts the client connection with RST, before forwarding the request or when the response arrives.',
  options: {
    before: ['Abort before forwarding (true) or when the response starts (false)', 'bool', true],
  },
  onRequest: (call) => (call.options.before ? 'reset' : undefined),
  onResponse: (call) => (call.options.before ? undefined : 'reset'),
};

export const BUILTIN_BEHAVIORS: Readonly<Record<string, BehaviorDefinition>> = Object.freeze({
  dummy,
  delay,
  error,
  hang,
  blackout,
  transient,
  abort,
});
