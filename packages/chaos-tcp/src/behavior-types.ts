/** The shape of a Vaurien-style behaviour, built-in or loaded from a module (`callable`). */
export type ProtocolName = 'tcp' | 'http' | 'redis' | 'memcache';
export type OptionType = 'int' | 'float' | 'bool' | 'string';
export type OptionValue = number | boolean | string;
/** Like Vaurien's handler options: (description, type, default). */
export type OptionSpec = readonly [description: string, type: OptionType, defaultValue: OptionValue];

/**
 * What to do with a call (a request in protocol mode, a chunk in tcp mode), or with its response:
 * - undefined / 'forward': pass it on;
 * - { delayMs }: wait, then pass it on;
 * - 'drop': swallow it and never answer (the client hangs);
 * - 'close': close the client connection (FIN) without forwarding;
 * - 'reset': abort the client connection with RST;
 * - { reply }: do not forward; answer the client with these bytes (in order with other answers).
 */
export type Verdict =
  | undefined
  | 'forward'
  | 'drop'
  | 'close'
  | 'reset'
  | { readonly delayMs: number }
  | { readonly reply: Buffer | string };

export interface CallContext {
  readonly protocol: ProtocolName;
  readonly options: Readonly<Record<string, OptionValue>>;
  /** A float in [0, 1) from the connection's seeded sub-stream. */
  random(): number;
  /** Calls this behaviour handled on this proxy before this one. */
  readonly calls: number;
  /** The first bytes of the call (tcp: the chunk; protocols: the start of the request). */
  readonly request: Buffer;
  /** A protocol-valid error answer (random bytes in tcp mode). */
  errorReply(): Buffer;
}

export interface BehaviorDefinition {
  readonly name: string;
  readonly description: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  onRequest?(call: CallContext): Verdict | Promise<Verdict>;
  onResponse?(call: CallContext): Verdict | Promise<Verdict>;
}
