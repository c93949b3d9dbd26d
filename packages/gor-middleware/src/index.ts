export { createLogger } from '@traffic/core';
export type { Channel, Handler } from './dispatch.js';
export type { WorkerReply } from './engine.js';
export type { GorFileReadOptions } from './gor-file.js';
export { GorFileWriter, RECORD_SEPARATOR, readGorFile, splitRecords } from './gor-file.js';
export type { HeaderMatch } from './http-helpers.js';
export {
  decodeChunked,
  decompressBody,
  deleteHttpCookie,
  deleteHttpHeader,
  httpBody,
  httpBodyParam,
  httpCookie,
  httpHeader,
  httpHeaders,
  httpMethod,
  httpPath,
  httpPathParam,
  httpStatus,
  setHttpBody,
  setHttpBodyParam,
  setHttpCookie,
  setHttpHeader,
  setHttpPath,
  setHttpPathParam,
  setHttpStatus,
} from './http-helpers.js';
export type { GorChannel } from './message.js';
export { GorMessage, MESSAGE_TYPES } from './message.js';
export type { RunOptions, SearchCallback } from './middleware.js';
export { createMiddleware, Gor } from './middleware.js';
export type { MiddlewareOptions } from './options.js';
export { DEFAULTS } from './options.js';
export { toHexLine } from './protocol.js';
export type { ReplayOptions } from './replay.js';
export { replayGorFile } from './replay.js';
export type { GorStats, TypeName, TypeStats } from './stats.js';
