import { performance } from 'node:perf_hooks';
import type { ConnectionControl, Next, Stage } from './direction.js';
import type { Toxic } from './toxic-spec.js';

/**
 * The runtime of each toxic on one direction of one connection. Attributes are read live, so an
 * update through the API applies to open connections (as in Toxiproxy).
 */
export function createToxicStage(toxic: Toxic, conn: ConnectionControl): Stage {
  const attr = (key: string) => toxic.attributes[key] ?? 0;
  switch (toxic.type) {
    case 'latency':
      return {
        async data(chunk, arrival, next) {
          const jitter = attr('jitter');
          const delay = Math.max(0, attr('latency') + (jitter > 0 ? (conn.rng.next() * 2 - 1) * jitter : 0));
          // Delay relative to when the chunk arrived, so queued chunks do not add up their delays.
          const wait = arrival + delay - performance.now();
          if (wait > 0.5) await conn.sleep(wait);
          return next(chunk);
        },
      };
    case 'bandwidth':
      return bandwidthStage(attr, conn);
    case 'slow_close':
      return {
        data: (chunk, _arrival, next) => next(chunk),
        async end(next) {
          const delay = attr('delay');
          if (delay > 0) await conn.sleep(delay);
          return next();
        },
      };
    case 'timeout':
      return timeoutStage(toxic, attr, conn);
    case 'reset_peer': {
      let armed = false;
      return {
        async data() {
          // Like Toxiproxy: the first data starts the countdown; nothing passes; then RST.
          if (armed) return;
          armed = true;
          const timeout = attr('timeout');
          if (timeout > 0) await conn.sleep(timeout);
          conn.reset();
        },
      };
    }
    case 'slicer':
      return {
        async data(chunk, _arrival, next) {
          let offset = 0;
          while (offset < chunk.length) {
            const average = attr('average_size');
            const variation = attr('size_variation');
            const size = Math.max(1, Math.round(average + (conn.rng.next() * 2 - 1) * variation));
            await next(chunk.subarray(offset, offset + size));
            offset += size;
            const delayUs = attr('delay');
            if (delayUs > 0 && offset < chunk.length) await conn.sleep(delayUs / 1000);
          }
        },
      };
    case 'limit_data': {
      let passed = 0;
      return {
        async data(chunk, _arrival, next) {
          const remaining = attr('bytes') - passed;
          if (remaining <= 0) return conn.close();
          const part = chunk.length <= remaining ? chunk : chunk.subarray(0, remaining);
          passed += part.length;
          await next(part);
          if (passed >= attr('bytes')) conn.close();
        },
      };
    }
  }
}

function bandwidthStage(attr: (key: string) => number, conn: ConnectionControl): Stage {
  // When the link is next free. A byte cannot leave before it arrived, so an idle link restarts at
  // the chunk's arrival; a backlog keeps the schedule. The schedule is absolute: late timers (or a
  // descheduled process) never push later slices back, they only send them sooner to catch up.
  let nextFree = 0;
  return {
    async data(chunk, arrival, next) {
      nextFree = Math.max(nextFree, arrival);
      let offset = 0;
      while (offset < chunk.length) {
        const bytesPerMs = attr('rate'); // KB/s = 1000 bytes per second = rate bytes per ms
        // Slices of ~10 ms keep the rate smooth.
        const size = Math.max(1, Math.min(chunk.length - offset, Math.ceil(bytesPerMs * 10)));
        nextFree += size / bytesPerMs;
        const wait = nextFree - performance.now();
        if (wait >= 1) await conn.sleep(wait);
        await next(chunk.subarray(offset, offset + size));
        offset += size;
      }
    },
  };
}

function timeoutStage(toxic: Toxic, attr: (key: string) => number, conn: ConnectionControl): Stage {
  const timeout = attr('timeout');
  // The countdown starts when the toxic starts on this connection; timeout 0 never closes.
  let timer: NodeJS.Timeout | undefined;
  if (timeout > 0) timer = setTimeout(() => conn.close(), timeout);
  const hold = (): Promise<void> => new Promise((resolve) => toxic.onRemoved(resolve));
  return {
    async data(chunk, _arrival, next: Next) {
      if (!toxic.removed) await hold();
      return next(chunk);
    },
    async end(next) {
      if (!toxic.removed) await hold();
      return next();
    },
    dispose() {
      if (timer) clearTimeout(timer);
    },
  };
}
