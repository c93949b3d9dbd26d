import { connect, type Socket } from 'node:net';
import type { BehaviorMix } from './behavior-mix.js';
import type { ProtocolName } from './behavior-types.js';
import { Direction, type Stage } from './direction.js';
import type { Prng } from './prng.js';
import { protocolSession } from './protocol-session.js';
import { codecFor, randomBytesReply } from './protocols/index.js';
import { passthroughSession, type Session, type SessionHost } from './session.js';
import { tcpBehaviorSession } from './tcp-session.js';
import type { Stream, Toxic } from './toxic-spec.js';
import { createToxicStage } from './toxic-stages.js';

/** What a connection needs from its proxy (kept narrow so the proxy's internals stay private). */
export interface ConnectionOwner {
  readonly upstreamHost: string;
  readonly upstreamPort: number;
  readonly connectTimeoutMs: number;
  readonly drainTimeoutMs: number;
  readonly protocol: ProtocolName;
  readonly mix: BehaviorMix;
  /** Active toxics in creation order; `toxicsVersion` changes whenever the list or a toxic changes. */
  readonly toxics: readonly Toxic[];
  readonly toxicsVersion: number;
  countCall(behavior: string): number;
  onFault(connection: number, behavior: string, verdict: string): void;
  onBehaviorError(behavior: string, error: unknown): void;
  onUpstreamError(error: Error): void;
  onClosed(connection: Connection): void;
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE']);
/** Upstream reads land in one reused buffer (Node's onread), so the plain path allocates no chunk. */
const READ_SIZE = 64 * 1024;
/** Reads above this are handed to a session as they are (no copy); smaller ones are copied. */
const BIG_READ = 16 * 1024;

/**
 * One client connection and its upstream. Without faults it is `client.pipe(upstream)` one way and
 * a reused read buffer written to the client the other way (no per-chunk work or allocation of ours); with toxics or behaviours it runs managed directions. Half-close is
 * kept (allowHalfOpen: a FIN goes one way, the other way keeps flowing); an RST on one side is
 * mirrored with an RST on the other; both sockets are always destroyed in the end.
 */
export class Connection implements SessionHost {
  readonly index: number;
  readonly rng: Prng;
  readonly client: Socket;
  readonly upstream: Socket;
  readonly protocol: ProtocolName;
  readonly #owner: ConnectionOwner;
  #managed = false;
  #up: Direction | undefined;
  #down: Direction | undefined;
  #session: Session | undefined;
  #timers = new Set<NodeJS.Timeout>();
  #stages = new Map<Toxic, Stage | null>();
  #stageLists: Record<Stream, Stage[]> = { upstream: [], downstream: [] };
  #stagesVersion = -1;
  #connected = false;
  #clientEnded = false;
  #upstreamEnded = false;
  #closedSockets = 0;
  #clientPauses = 0;
  #upstreamPauses = 0;
  #readBuffer = Buffer.allocUnsafe(READ_SIZE);
  readonly #resumeUpstream = () => this.upstream.resume();
  closed = false;

  constructor(owner: ConnectionOwner, client: Socket, index: number, rng: Prng) {
    this.#owner = owner;
    this.index = index;
    this.rng = rng;
    this.client = client;
    this.protocol = owner.protocol;
    client.setNoDelay(true);
    // Dialled asynchronously: accepting the next client never waits for this upstream.
    this.upstream = connect({
      host: owner.upstreamHost,
      port: owner.upstreamPort,
      allowHalfOpen: true,
      noDelay: true,
      onread: {
        buffer: () => this.#readBuffer,
        callback: (size, buffer) => this.#onUpstreamRead(size, buffer as Buffer),
      },
    });
    const connectTimer = setTimeout(() => {
      this.upstream.destroy(Object.assign(new Error('upstream connect timeout'), { code: 'ETIMEDOUT' }));
    }, owner.connectTimeoutMs);
    this.upstream.once('connect', () => {
      clearTimeout(connectTimer);
      this.#connected = true;
      if (!this.client.destroyed) this.#start();
    });
    this.upstream.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(connectTimer);
      if (!this.#connected) {
        owner.onUpstreamError(error);
        // The upstream refused or timed out: the client learns it by an RST, as from the server itself.
        this.#resetSocket(this.client);
        return;
      }
      if (RESET_CODES.has(error.code ?? '')) this.#resetSocket(this.client);
      else this.client.destroy();
    });
    this.client.on('error', (error: NodeJS.ErrnoException) => {
      if (RESET_CODES.has(error.code ?? '')) this.#resetSocket(this.upstream);
      else this.upstream.destroy();
    });
    this.client.on('end', () => {
      this.#clientEnded = true;
    });
    this.upstream.on('end', () => {
      this.#upstreamEnded = true;
      if (this.#session) this.#session.upstreamEnd();
      else if (this.#connected) this.client.end();
    });
    this.client.once('close', () => this.#socketClosed(this.client, this.upstream, this.#clientEnded));
    this.upstream.once('close', () => this.#socketClosed(this.upstream, this.client, this.#upstreamEnded));
  }

  get up(): Direction {
    return this.#up!;
  }

  get down(): Direction {
    return this.#down!;
  }

  #start(): void {
    const owner = this.#owner;
    const entry = owner.mix.passive ? undefined : this.protocol === 'tcp' ? owner.mix.pick(this.rng) : undefined;
    const needsBehavior = !owner.mix.passive && (this.protocol !== 'tcp' || entry?.name !== 'dummy');
    if (needsBehavior || this.#hasToxics()) this.#manage(entry);
    else {
      this.client.pipe(this.upstream);
      this.upstream.resume();
    }
  }

  #hasToxics(): boolean {
    return this.#owner.toxics.length > 0;
  }

  /** Toxics changed on the proxy: a plain-piped connection switches to managed mode. */
  toxicsChanged(): void {
    if (this.#connected && !this.#managed && !this.closed && this.#hasToxics()) {
      this.client.unpipe(this.upstream);
      this.client.removeListener('drain', this.#resumeUpstream);
      this.#manage(undefined);
    }
  }

  #manage(entry: ReturnType<BehaviorMix['pick']> | undefined): void {
    this.#managed = true;
    // Sessions keep chunks past the read callback, so reads no longer share a buffer.
    this.#up = new Direction(
      this.upstream,
      () => this.#stagesFor('upstream'),
      (paused) => this.pauseClient(paused),
    );
    this.#down = new Direction(
      this.client,
      () => this.#stagesFor('downstream'),
      (paused) => this.pauseUpstream(paused),
    );
    const owner = this.#owner;
    const codec = codecFor(this.protocol);
    if (!owner.mix.passive && codec !== undefined) this.#session = protocolSession(this, owner.mix, codec);
    else if (entry !== undefined && entry.name !== 'dummy') this.#session = tcpBehaviorSession(this, entry);
    else this.#session = passthroughSession(this);
    const session = this.#session;
    this.client.on('data', (chunk: Buffer) => session.fromClient(chunk));
    // A FIN that already arrived while piped was already forwarded by the pipe.
    if (this.#clientEnded) this.#up.end();
    else this.client.once('end', () => session.clientEnd());
    if (this.#upstreamEnded) this.#down.end();
    // pauseOnConnect left the client explicitly paused; a 'data' listener alone does not resume it.
    this.client.resume();
    this.upstream.resume();
  }

  /**
   * Upstream bytes. Plain path: written straight to the client from the reused read buffer; if the
   * write could not complete at once, the socket still holds that memory, so the next read gets a
   * fresh buffer and reading pauses until the client drains. Managed path: the session gets the bytes
   * as its own (big reads keep the buffer, small ones are copied).
   */
  #onUpstreamRead(size: number, buffer: Buffer): boolean {
    const session = this.#session;
    if (session !== undefined) {
      if (size > BIG_READ) {
        // A big read keeps its buffer (the session holds it); the next read gets a fresh one.
        this.#readBuffer = Buffer.allocUnsafe(READ_SIZE);
        session.fromUpstream(buffer.subarray(0, size));
      } else {
        // A small one is copied (pooled, not zero-filled) rather than pinning 64 KiB per message.
        const copy = Buffer.allocUnsafe(size);
        buffer.copy(copy, 0, 0, size);
        session.fromUpstream(copy);
      }
      return true;
    }
    const client = this.client;
    if (client.destroyed) return true;
    client.write(buffer.subarray(0, size));
    if (client.writableLength === 0) return true;
    this.#readBuffer = Buffer.allocUnsafe(READ_SIZE);
    if (!client.writableNeedDrain) return true;
    client.once('drain', this.#resumeUpstream);
    return false;
  }

  /** Stage list of one direction; rebuilt when the proxy's toxics change, keeping each toxicity roll. */
  #stagesFor(stream: Stream): readonly Stage[] {
    const owner = this.#owner;
    if (this.#stagesVersion !== owner.toxicsVersion) {
      this.#stagesVersion = owner.toxicsVersion;
      const lists: Record<Stream, Stage[]> = { upstream: [], downstream: [] };
      const live = new Set(owner.toxics);
      for (const [toxic, stage] of this.#stages) {
        if (!live.has(toxic)) {
          stage?.dispose?.();
          this.#stages.delete(toxic);
        }
      }
      for (const toxic of owner.toxics) {
        let stage = this.#stages.get(toxic);
        if (stage === undefined) {
          // Toxicity is decided once per connection and toxic; later changes to other toxics keep it.
          stage = toxic.toxicity >= 1 || this.rng.next() < toxic.toxicity ? createToxicStage(toxic, this) : null;
          this.#stages.set(toxic, stage);
        }
        if (stage !== null) lists[toxic.stream].push(stage);
      }
      this.#stageLists = lists;
    }
    return this.#stageLists[stream];
  }

  // Several parts may hold a side paused (a direction's backlog, a session's queue, pending calls):
  // it resumes only when all of them let go.
  pauseClient(paused: boolean): void {
    this.#clientPauses += paused ? 1 : -1;
    if (paused && this.#clientPauses === 1) this.client.pause();
    else if (!paused && this.#clientPauses === 0) this.client.resume();
  }

  pauseUpstream(paused: boolean): void {
    this.#upstreamPauses += paused ? 1 : -1;
    if (paused && this.#upstreamPauses === 1) this.upstream.pause();
    else if (!paused && this.#upstreamPauses === 0) this.upstream.resume();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return;
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }

  countCall(behavior: string): number {
    return this.#owner.countCall(behavior);
  }

  fault(behavior: string, verdict: string): void {
    this.#owner.onFault(this.index, behavior, verdict);
  }

  behaviorError(behavior: string, error: unknown): void {
    this.#owner.onBehaviorError(behavior, error);
  }

  errorReply(): Buffer {
    return codecFor(this.protocol)?.errorReply(this.rng) ?? randomBytesReply(this.rng);
  }

  reset(): void {
    this.#resetSocket(this.client);
    this.#resetSocket(this.upstream);
  }

  /** Graceful close of both sides (FIN), then destroy once flushed or after drainTimeoutMs. */
  close(): void {
    for (const socket of [this.client, this.upstream]) {
      if (socket.destroyed) continue;
      socket.end();
      this.#destroyWhenFinished(socket);
    }
  }

  /** Tear down at once (proxy disabled or closed). */
  destroy(): void {
    this.client.destroy();
    this.upstream.destroy();
  }

  #resetSocket(socket: Socket): void {
    if (socket.destroyed) return;
    // libuv cannot RST a socket after shutdown() (our FIN): Node then never closes the handle, so a
    // socket whose write side already ended is destroyed plainly.
    if (socket.connecting || socket.pending || socket.writableEnded) socket.destroy();
    else socket.resetAndDestroy();
  }

  #destroyWhenFinished(socket: Socket): void {
    if (socket.writableFinished) {
      socket.destroy();
      return;
    }
    const timer = setTimeout(() => socket.destroy(), this.#owner.drainTimeoutMs);
    this.#timers.add(timer);
    socket.once('finish', () => {
      clearTimeout(timer);
      socket.destroy();
    });
  }

  #socketClosed(_socket: Socket, other: Socket, sawFin: boolean): void {
    this.#closedSockets++;
    if (this.#closedSockets === 2) {
      this.closed = true;
      for (const timer of this.#timers) clearTimeout(timer);
      this.#timers.clear();
      for (const stage of this.#stages.values()) stage?.dispose?.();
      this.#stages.clear();
      this.#owner.onClosed(this);
      return;
    }
    if (other.destroyed) return;
    // This side is gone; without its FIN it vanished, so nothing more can flow: end the other now.
    // With its FIN, the other side was already ended by the pipe/direction; destroy it once flushed.
    if (!sawFin || !this.#connected) {
      other.destroy();
      return;
    }
    // With its FIN, the pipe/direction forwards that FIN (after queued data); destroy once flushed.
    if (other.writableFinished) other.destroy();
    else other.once('finish', () => other.destroy());
  }
}
