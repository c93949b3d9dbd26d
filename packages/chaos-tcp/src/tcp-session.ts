import type { MixEntry } from './behavior-mix.js';
import { SerialPump } from './serial-pump.js';
import { decide, type Session, type SessionHost } from './session.js';

/**
 * tcp mode: no message boundaries, so the behaviour is chosen once per connection and every chunk
 * the client sends is one call (every upstream chunk one response), as in Vaurien's tcp handler.
 */
export function tcpBehaviorSession(host: SessionHost, entry: MixEntry): Session {
  let stopped = false;
  const apply = (kind: string) => {
    stopped = true;
    if (kind === 'close') host.close();
    else if (kind === 'reset') host.reset();
  };
  const requests = new SerialPump<Buffer | null>(
    async (chunk) => {
      if (stopped) return;
      if (chunk === null) return host.up.end();
      const action = await decide(host, entry, 'onRequest', chunk);
      if (action.kind === 'forward') host.up.write(chunk);
      else if (action.kind === 'reply') host.down.write(action.data);
      else if (action.kind !== 'drop') apply(action.kind);
    },
    (paused) => host.pauseClient(paused),
    (error) => host.behaviorError(entry.name, error),
  );
  const responses = new SerialPump<Buffer | null>(
    async (chunk) => {
      if (stopped) return;
      if (chunk === null) return host.down.end();
      const action = await decide(host, entry, 'onResponse', chunk);
      if (action.kind === 'forward' || action.kind === 'reply') host.down.write(chunk);
      else if (action.kind !== 'drop') apply(action.kind);
    },
    (paused) => host.pauseUpstream(paused),
    (error) => host.behaviorError(entry.name, error),
  );
  return {
    fromClient: (chunk) => requests.push(chunk, chunk.length),
    clientEnd: () => requests.push(null, 0),
    fromUpstream: (chunk) => responses.push(chunk, chunk.length),
    upstreamEnd: () => responses.push(null, 0),
  };
}
