import type { MixEntry } from './behavior-mix.js';
import type { CallContext, ProtocolName, Verdict } from './behavior-types.js';
import type { ConnectionControl, Direction } from './direction.js';

/** What sits between the two sockets and the two directions of a managed connection. */
export interface Session {
  fromClient(chunk: Buffer): void;
  clientEnd(): void;
  fromUpstream(chunk: Buffer): void;
  upstreamEnd(): void;
}

/** What a session needs from its connection and proxy. */
export interface SessionHost extends ConnectionControl {
  readonly up: Direction;
  readonly down: Direction;
  readonly protocol: ProtocolName;
  pauseClient(paused: boolean): void;
  pauseUpstream(paused: boolean): void;
  /** Count a call for the behaviour and return how many it handled before. */
  countCall(behavior: string): number;
  /** Record a fault decision (stats, events). */
  fault(behavior: string, verdict: string): void;
  /** A custom behaviour threw: counted, logged, the call passes. */
  behaviorError(behavior: string, error: unknown): void;
  errorReply(): Buffer;
}

/** No behaviour: bytes go straight to the (toxic) directions. */
export function passthroughSession(host: SessionHost): Session {
  return {
    fromClient: (chunk) => host.up.write(chunk),
    clientEnd: () => host.up.end(),
    fromUpstream: (chunk) => host.down.write(chunk),
    upstreamEnd: () => host.down.end(),
  };
}

export type Action =
  | { readonly kind: 'forward' }
  | { readonly kind: 'drop' }
  | { readonly kind: 'close' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'reply'; readonly data: Buffer };

const FORWARD: Action = { kind: 'forward' };

/** Ask the behaviour for a verdict and carry out delays; a throwing custom behaviour means "forward". */
export async function decide(
  host: SessionHost,
  entry: MixEntry,
  hook: 'onRequest' | 'onResponse',
  request: Buffer,
): Promise<Action> {
  const fn = entry.definition[hook];
  if (fn === undefined) return FORWARD;
  let verdict: Verdict;
  const call: CallContext = {
    protocol: host.protocol,
    options: entry.options,
    random: () => host.rng.next(),
    calls: hook === 'onRequest' ? host.countCall(entry.name) : 0,
    request,
    errorReply: () => host.errorReply(),
  };
  try {
    verdict = await fn(call);
  } catch (error) {
    host.behaviorError(entry.name, error);
    return FORWARD;
  }
  if (verdict === undefined || verdict === 'forward') return FORWARD;
  if (typeof verdict === 'string') {
    host.fault(entry.name, verdict);
    return { kind: verdict };
  }
  if ('delayMs' in verdict) {
    host.fault(entry.name, 'delay');
    const ms = Number(verdict.delayMs);
    if (Number.isFinite(ms) && ms > 0) await host.sleep(ms);
    return FORWARD;
  }
  host.fault(entry.name, 'reply');
  return { kind: 'reply', data: Buffer.isBuffer(verdict.reply) ? verdict.reply : Buffer.from(String(verdict.reply)) };
}
