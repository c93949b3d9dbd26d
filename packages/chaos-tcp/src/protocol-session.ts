import type { BehaviorMix, MixEntry } from './behavior-mix.js';
import type { Expectation, ProtocolCodec } from './protocols/index.js';
import { SerialPump } from './serial-pump.js';
import { decide, type Session, type SessionHost } from './session.js';

/** Calls waiting for an answer; above this the client is paused (a pipelining client cannot grow memory). */
const MAX_PENDING = 10_000;

interface Call {
  readonly entry: MixEntry;
  /** forward: sent upstream; reply: answered by us; swallow: response dropped (hang after). */
  mode: 'forward' | 'reply';
  reply: Buffer | undefined;
  replyReady: boolean;
  expect: Expectation;
}

/**
 * Protocol mode: requests and responses are framed, a behaviour is picked per request, and its
 * verdict hits that request (before it is forwarded) or its response (when it starts). Answers we
 * make ourselves (`error`) are delivered in order with the upstream's answers.
 */
export function protocolSession(host: SessionHost, mix: BehaviorMix, codec: ProtocolCodec): Session {
  const requestScanner = codec.requestScanner();
  const responseScanner = codec.responseScanner();
  const pending: Call[] = [];
  let current: Call | undefined;
  let responding: Call | undefined;
  let passthrough = false;
  let hung = false;
  let stopped = false;
  let pausedForPending = false;

  const stop = (kind: 'close' | 'reset') => {
    stopped = true;
    if (kind === 'close') host.close();
    else host.reset();
  };

  const flushReplies = () => {
    while (pending[0]?.mode === 'reply' && pending[0].replyReady) {
      host.down.write(pending.shift()!.reply!);
    }
  };

  const onClient = async (chunk: Buffer | null) => {
    if (stopped) return;
    if (chunk === null) {
      if (!hung) host.up.end();
      return;
    }
    let i = 0;
    while (i < chunk.length && !stopped) {
      if (hung) return;
      if (passthrough) {
        host.up.write(i === 0 ? chunk : chunk.subarray(i));
        return;
      }
      if (current === undefined) {
        const entry = mix.pick(host.rng);
        const action = await decide(host, entry, 'onRequest', chunk.subarray(i));
        if (action.kind === 'close' || action.kind === 'reset') return stop(action.kind);
        if (action.kind === 'drop') {
          // The client waits for an answer that never comes; later traffic is held back too.
          hung = true;
          return;
        }
        current = {
          entry,
          mode: action.kind === 'reply' ? 'reply' : 'forward',
          reply: action.kind === 'reply' ? action.data : undefined,
          replyReady: false,
          expect: {},
        };
        pending.push(current);
        if (pending.length > MAX_PENDING && !pausedForPending) {
          pausedForPending = true;
          host.pauseClient(true);
        }
      }
      const end = requestScanner.scan(chunk, i);
      const piece = end === -1 ? (i === 0 ? chunk : chunk.subarray(i)) : chunk.subarray(i, end);
      if (current.mode === 'forward') host.up.write(piece);
      current.expect = requestScanner.expectation();
      if (requestScanner.broken) {
        passthrough = true;
        if (end !== -1) host.up.write(chunk.subarray(end));
        return;
      }
      if (end === -1) return;
      const done = current;
      current = undefined;
      i = end;
      if (done.expect.none) pending.splice(pending.indexOf(done), 1);
      else if (done.mode === 'reply') {
        done.replyReady = true;
        flushReplies();
      }
    }
  };

  const finishResponse = () => {
    const call = responding;
    responding = undefined;
    if (call !== undefined) pending.splice(pending.indexOf(call), 1);
    flushReplies();
    if (pausedForPending && pending.length < MAX_PENDING / 2) {
      pausedForPending = false;
      host.pauseClient(false);
    }
  };

  const onUpstream = async (chunk: Buffer | null) => {
    if (stopped) return;
    if (chunk === null) {
      if (responding !== undefined) finishResponse();
      if (!hung) host.down.end();
      return;
    }
    if (hung) return;
    let i = 0;
    while (i < chunk.length && !stopped) {
      if (passthrough) {
        host.down.write(i === 0 ? chunk : chunk.subarray(i));
        return;
      }
      if (responding === undefined) {
        const call = pending.find((candidate) => candidate.mode === 'forward');
        if (call === undefined) {
          // Unsolicited bytes (e.g. a push message): passed on as they are.
          host.down.write(i === 0 ? chunk : chunk.subarray(i));
          return;
        }
        responding = call;
        responseScanner.begin(call.expect);
        const action = await decide(host, call.entry, 'onResponse', chunk.subarray(i));
        if (action.kind === 'close' || action.kind === 'reset') return stop(action.kind);
        if (action.kind === 'drop') {
          hung = true;
          return;
        }
      }
      const end = responseScanner.scan(chunk, i);
      host.down.write(end === -1 ? (i === 0 ? chunk : chunk.subarray(i)) : chunk.subarray(i, end));
      if (responseScanner.broken) {
        passthrough = true;
        if (end !== -1) host.down.write(chunk.subarray(end));
        return;
      }
      if (end === -1) return;
      i = end;
      if (responseScanner.interim) responseScanner.begin(responding.expect);
      else finishResponse();
    }
  };

  const requests = new SerialPump<Buffer | null>(
    onClient,
    (paused) => host.pauseClient(paused),
    (error) => host.behaviorError('protocol', error),
  );
  const responses = new SerialPump<Buffer | null>(
    onUpstream,
    (paused) => host.pauseUpstream(paused),
    (error) => host.behaviorError('protocol', error),
  );
  return {
    fromClient: (chunk) => requests.push(chunk, chunk.length),
    clientEnd: () => requests.push(null, 0),
    fromUpstream: (chunk) => responses.push(chunk, chunk.length),
    upstreamEnd: () => responses.push(null, 0),
  };
}
