import type { ProtocolName } from '../behavior-types.js';
import type { Prng } from '../prng.js';
import { HttpRequestScanner, HttpResponseScanner, httpErrorReply } from './http.js';
import { MemcacheRequestScanner, MemcacheResponseScanner, memcacheErrorReply } from './memcache.js';
import { RespScanner, redisErrorReply } from './resp.js';
import type { RequestScanner, ResponseScanner } from './scanner.js';

export type { Expectation, RequestScanner, ResponseScanner } from './scanner.js';

export interface ProtocolCodec {
  readonly name: ProtocolName;
  requestScanner(): RequestScanner;
  responseScanner(): ResponseScanner;
  /** A valid error answer for this protocol. */
  errorReply(rng: Prng): Buffer;
}

export const PROTOCOLS: readonly ProtocolName[] = Object.freeze(['tcp', 'http', 'redis', 'memcache']);

/** In tcp mode there are no messages: `error` answers random bytes. */
export function randomBytesReply(rng: Prng): Buffer {
  const out = Buffer.allocUnsafe(16 + rng.int(240));
  for (let i = 0; i < out.length; i++) out[i] = rng.int(256);
  return out;
}

const CODECS: Readonly<Record<Exclude<ProtocolName, 'tcp'>, ProtocolCodec>> = {
  http: {
    name: 'http',
    requestScanner: () => new HttpRequestScanner(),
    responseScanner: () => new HttpResponseScanner(),
    errorReply: httpErrorReply,
  },
  redis: {
    name: 'redis',
    requestScanner: () => new RespScanner(),
    responseScanner: () => new RespScanner(),
    errorReply: redisErrorReply,
  },
  memcache: {
    name: 'memcache',
    requestScanner: () => new MemcacheRequestScanner(),
    responseScanner: () => new MemcacheResponseScanner(),
    errorReply: memcacheErrorReply,
  },
};

export function codecFor(protocol: ProtocolName): ProtocolCodec | undefined {
  return protocol === 'tcp' ? undefined : CODECS[protocol];
}
