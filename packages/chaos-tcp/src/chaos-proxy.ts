import { createServer, type Server, type Socket } from 'node:net';
import {
  booleanOption,
  describeValue,
  type HostPort,
  hostPortOption,
  InvalidOptionError,
  integerOption,
  type Logger,
  listenOn,
  noopLogger,
  oneOfOption,
  rejectUnknownOptions,
  stringOption,
  TrafficEvents,
} from '@traffic/core';
import { type BehaviorMix, createBehaviorMix, type MixSettings } from './behavior-mix.js';
import type { BehaviorDefinition, ProtocolName } from './behavior-types.js';
import { Connection, type ConnectionOwner } from './connection.js';
import { CHAOS_ERRORS, chaosError } from './errors.js';
import { createPrng, type Prng, randomSeed } from './prng.js';
import { PROTOCOLS } from './protocols/index.js';
import { parseToxicJson, Toxic, type ToxicJson } from './toxic-spec.js';

export interface ChaosProxyOptions {
  /** Name in the Toxiproxy API. */
  name?: string;
  /** Where clients connect (Vaurien --local). */
  listen?: string;
  /** Where the proxy connects (Vaurien --distant). */
  upstream: string;
  protocol?: ProtocolName;
  /** Weighted behaviour mix, e.g. "20:delay,10:error" (remainder dummy). */
  behavior?: string;
  behaviorOptions?: Record<string, Record<string, unknown>>;
  customBehaviors?: Record<string, BehaviorDefinition>;
  /** Seed of the one PRNG behind every decision; random (and reported by `seed`) when absent. */
  seed?: number;
  enabled?: boolean;
  /** Toxiproxy toxic bodies to start with. */
  toxics?: unknown[];
  connectTimeoutMs?: number;
  /** After one side closed, how long the other may take to flush before it is destroyed. */
  drainTimeoutMs?: number;
  /** Open connections above this are refused with RST (counted in stats.rejected). */
  maxConnections?: number;
  logger?: Logger;
}

export const CHAOS_PROXY_DEFAULTS = Object.freeze({
  name: 'chaos',
  listen: '127.0.0.1:0',
  protocol: 'tcp' as ProtocolName,
  behavior: '',
  enabled: true,
  connectTimeoutMs: 5000,
  drainTimeoutMs: 5000,
  maxConnections: 10_000,
});

const KNOWN = {
  ...CHAOS_PROXY_DEFAULTS,
  upstream: '',
  behaviorOptions: {},
  customBehaviors: {},
  seed: 0,
  toxics: [],
  logger: noopLogger,
};

export interface FaultEvent {
  proxy: string;
  connection: number;
  behavior: string;
  verdict: string;
}

export type ChaosEvents = {
  fault: (event: FaultEvent) => void;
  listening: (address: HostPort) => void;
  error: (error: Error) => void;
};

export interface ChaosProxyStats {
  accepted: number;
  active: number;
  rejected: number;
  upstreamErrors: number;
  behaviorErrors: number;
  bytesUp: number;
  bytesDown: number;
  faults: Record<string, number>;
}

export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicJson[];
}

function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** One fault-injecting TCP proxy: Vaurien's behaviours and Toxiproxy's toxics on the same connections. */
export class ChaosProxy implements ConnectionOwner {
  readonly name: string;
  readonly events: TrafficEvents<ChaosEvents>;
  readonly seed: number;
  readonly connectTimeoutMs: number;
  readonly drainTimeoutMs: number;
  readonly protocol: ProtocolName;
  readonly #maxConnections: number;
  readonly #logger: Logger;
  readonly #rng: Prng;
  readonly #customBehaviors: Record<string, BehaviorDefinition>;
  #listen: HostPort;
  #upstream: HostPort;
  #enabled: boolean;
  #server: Server | undefined;
  #bound: HostPort | undefined;
  #mix: BehaviorMix;
  #toxics: Toxic[] = [];
  #toxicsVersion = 0;
  #connections = new Set<Connection>();
  #accepted = 0;
  #counters = new Map<string, number>();
  #stats: ChaosProxyStats = {
    accepted: 0,
    active: 0,
    rejected: 0,
    upstreamErrors: 0,
    behaviorErrors: 0,
    bytesUp: 0,
    bytesDown: 0,
    faults: {},
  };

  constructor(options: ChaosProxyOptions) {
    if (options === null || typeof options !== 'object') {
      throw new InvalidOptionError('options', options, 'an object with at least { upstream }');
    }
    rejectUnknownOptions('chaos', options, KNOWN);
    const o = { ...CHAOS_PROXY_DEFAULTS, ...options };
    this.name = stringOption('chaos.name', o.name, /^[^/\s]{1,200}$/, 'a name without "/" or spaces');
    this.#listen = hostPortOption('chaos.listen', o.listen);
    if (o.upstream === undefined)
      throw new InvalidOptionError('chaos.upstream', undefined, 'host:port of the upstream');
    this.#upstream = hostPortOption('chaos.upstream', o.upstream);
    this.protocol = oneOfOption('chaos.protocol', o.protocol, PROTOCOLS);
    this.#enabled = booleanOption('chaos.enabled', o.enabled);
    this.connectTimeoutMs = integerOption('chaos.connectTimeoutMs', o.connectTimeoutMs, 1, 600_000);
    this.drainTimeoutMs = integerOption('chaos.drainTimeoutMs', o.drainTimeoutMs, 0, 600_000);
    this.#maxConnections = integerOption('chaos.maxConnections', o.maxConnections, 1, 1_000_000);
    this.seed = o.seed === undefined ? randomSeed() : integerOption('chaos.seed', o.seed, 0, 0xffff_ffff);
    this.#rng = createPrng(this.seed);
    this.#logger = o.logger ?? noopLogger;
    this.events = new TrafficEvents<ChaosEvents>(this.#logger);
    this.#customBehaviors = { ...o.customBehaviors };
    this.#mix = createBehaviorMix({
      behavior: o.behavior,
      ...(o.behaviorOptions ? { behaviorOptions: o.behaviorOptions } : {}),
      customBehaviors: this.#customBehaviors,
    });
    if (o.toxics !== undefined) {
      if (!Array.isArray(o.toxics)) throw new InvalidOptionError('chaos.toxics', o.toxics, 'an array of toxics');
      for (const toxic of o.toxics) this.addToxic(toxic);
    }
  }

  // --- ConnectionOwner -------------------------------------------------------------------------
  get upstreamHost(): string {
    return this.#upstream.host;
  }
  get upstreamPort(): number {
    return this.#upstream.port;
  }
  get mix(): BehaviorMix {
    return this.#mix;
  }
  get toxics(): readonly Toxic[] {
    return this.#toxics;
  }
  get toxicsVersion(): number {
    return this.#toxicsVersion;
  }
  countCall(behavior: string): number {
    const count = this.#counters.get(behavior) ?? 0;
    if (count < Number.MAX_SAFE_INTEGER) this.#counters.set(behavior, count + 1);
    return count;
  }
  onFault(connection: number, behavior: string, verdict: string): void {
    this.#stats.faults[behavior] = (this.#stats.faults[behavior] ?? 0) + 1;
    if (this.events.hasListeners('fault'))
      this.events.emit('fault', { proxy: this.name, connection, behavior, verdict });
  }
  onBehaviorError(behavior: string, error: unknown): void {
    this.#stats.behaviorErrors++;
    this.#logger.warn({ err: error, behavior, proxy: this.name }, 'behavior threw; the call was forwarded');
  }
  onUpstreamError(error: Error): void {
    this.#stats.upstreamErrors++;
    this.#logger.debug({ err: error, proxy: this.name }, 'upstream connect failed');
  }
  onClosed(connection: Connection): void {
    this.#connections.delete(connection);
    this.#stats.bytesUp += connection.upstream.bytesWritten ?? 0;
    this.#stats.bytesDown += connection.client.bytesWritten ?? 0;
  }

  // --- lifecycle -------------------------------------------------------------------------------
  /** The address clients connect to (the real port once listening). */
  get listenAddress(): string {
    return formatHostPort(this.#bound ?? this.#listen);
  }

  get upstream(): string {
    return formatHostPort(this.#upstream);
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  get address(): HostPort | undefined {
    return this.#bound;
  }

  async listen(): Promise<HostPort> {
    if (!this.#enabled) return this.#listen;
    if (this.#server !== undefined && this.#bound !== undefined) return this.#bound;
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => this.#accept(socket));
    server.on('error', (error) => this.events.emit('error', error));
    const { port } = await listenOn(server, this.#listen);
    this.#server = server;
    // The host as configured (Toxiproxy shows it back as given), the port as bound.
    this.#bound = { host: this.#listen.host, port };
    // Keep the port on disable/enable, like Toxiproxy.
    this.#listen = this.#bound;
    this.events.emit('listening', this.#bound);
    return this.#bound;
  }

  #accept(socket: Socket): void {
    socket.on('error', () => {});
    if (this.#connections.size >= this.#maxConnections) {
      this.#stats.rejected++;
      socket.resetAndDestroy();
      return;
    }
    this.#stats.accepted++;
    const index = this.#accepted++;
    const connection = new Connection(this, socket, index, this.#rng.fork(index));
    this.#connections.add(connection);
  }

  /** Stop listening and drop every connection (Toxiproxy "down"). */
  async #stopListening(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#bound = undefined;
    for (const connection of this.#connections) connection.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    await this.#stopListening();
    for (const toxic of this.#toxics) toxic.markRemoved();
  }

  async setEnabled(enabled: boolean): Promise<void> {
    if (enabled === this.#enabled) return;
    this.#enabled = enabled;
    if (enabled) await this.listen();
    else await this.#stopListening();
  }

  /** Toxiproxy "update proxy": listen, upstream, enabled. */
  async update(body: unknown): Promise<void> {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw chaosError(CHAOS_ERRORS.configInvalid, `proxy update must be a JSON object, got ${describeValue(body)}`);
    }
    const input = body as Record<string, unknown>;
    const listen = input.listen === undefined ? undefined : hostPortOption('listen', input.listen);
    const upstream = input.upstream === undefined ? undefined : hostPortOption('upstream', input.upstream);
    const enabled = input.enabled === undefined ? undefined : booleanOption('enabled', input.enabled);
    if (upstream) this.#upstream = upstream;
    if (listen && formatHostPort(listen) !== this.listenAddress) {
      await this.#stopListening();
      this.#listen = listen;
      if (this.#enabled) await this.listen();
    }
    if (enabled !== undefined) await this.setEnabled(enabled);
  }

  // --- behaviours ------------------------------------------------------------------------------
  get behavior(): BehaviorMix {
    return this.#mix;
  }

  /** Replace the behaviour mix at runtime; new calls use it (each connection keeps its tcp-mode pick). */
  setBehavior(settings: Omit<MixSettings, 'customBehaviors'>): BehaviorMix {
    this.#mix = createBehaviorMix({ ...settings, customBehaviors: this.#customBehaviors }, 'behavior');
    return this.#mix;
  }

  // --- toxics ----------------------------------------------------------------------------------
  getToxic(name: string): Toxic {
    const toxic = this.#toxics.find((candidate) => candidate.name === name);
    if (toxic === undefined) throw chaosError(CHAOS_ERRORS.toxicNotFound, 'toxic not found', { name });
    return toxic;
  }

  addToxic(body: unknown): Toxic {
    const json = parseToxicJson(body);
    if (this.#toxics.some((toxic) => toxic.name === json.name)) {
      throw chaosError(CHAOS_ERRORS.toxicExists, 'toxic already exists', { name: json.name });
    }
    const toxic = new Toxic(json);
    this.#toxics = [...this.#toxics, toxic];
    this.#toxicsChanged();
    return toxic;
  }

  updateToxic(name: string, body: unknown): Toxic {
    const toxic = this.getToxic(name);
    toxic.update(body);
    this.#toxicsChanged();
    return toxic;
  }

  removeToxic(name: string): void {
    const toxic = this.getToxic(name);
    this.#toxics = this.#toxics.filter((candidate) => candidate !== toxic);
    toxic.markRemoved();
    this.#toxicsChanged();
  }

  resetToxics(): void {
    const removed = this.#toxics;
    this.#toxics = [];
    for (const toxic of removed) toxic.markRemoved();
    this.#toxicsChanged();
  }

  #toxicsChanged(): void {
    this.#toxicsVersion++;
    if (this.#toxics.length > 0) for (const connection of this.#connections) connection.toxicsChanged();
  }

  // --- reporting -------------------------------------------------------------------------------
  /** Open connections (client + upstream socket pairs). */
  get connections(): number {
    return this.#connections.size;
  }

  stats(): ChaosProxyStats {
    return { ...this.#stats, active: this.#connections.size, faults: { ...this.#stats.faults } };
  }

  toJSON(): ProxyJson {
    return {
      name: this.name,
      listen: this.listenAddress,
      upstream: this.upstream,
      enabled: this.#enabled,
      toxics: this.#toxics.map((toxic) => toxic.toJSON()),
    };
  }
}

/** Vaurien-style single proxy: `await createChaosProxy({ upstream, behavior }).listen()`. */
export function createChaosProxy(options: ChaosProxyOptions): ChaosProxy {
  return new ChaosProxy(options);
}
