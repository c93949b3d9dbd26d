export type { DecodeChunkedOptions, DecodedChunks } from './chunked.js';
export { decodeChunked, encodeChunked } from './chunked.js';
export type { DecodeBodyOptions } from './content-encoding.js';
export {
  createContentDecoders,
  decodeContentEncoding,
  encodeContentEncoding,
  parseCodings,
  SUPPORTED_CONTENT_CODINGS,
} from './content-encoding.js';
export type { HeaderField, MessageKind, ParsedHead, ParseOptions } from './head.js';
export { parseHead } from './head.js';
export type { BodyLimit } from './http-message.js';
export { HttpMessage } from './http-message.js';
