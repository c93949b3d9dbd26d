import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpLogger } from './http-logger.js';
import type { HttpLoggerOptions } from './options.js';
import type { SinkInput } from './sink.js';

export type NodeHandler<Req extends IncomingMessage = IncomingMessage, Res extends ServerResponse = ServerResponse> = (
  req: Req,
  res: Res,
) => void;

export type LoggedHandler<Req extends IncomingMessage, Res extends ServerResponse> = NodeHandler<Req, Res> & {
  /** The logger behind the wrapper: stats(), counters, flush(), close(). */
  readonly logger: HttpLogger;
  /** Add a destination; returns the wrapper. */
  addLogger(sink: SinkInput): LoggedHandler<Req, Res>;
};

/**
 * Wrap a node:http request handler: every request gets an id and one JSON log line when it
 * finishes or is aborted. The response object is passed through as is (never buffered).
 * Pass an HttpLogger instead of options to share sinks and counters between servers.
 */
export function withRequestLogging<Req extends IncomingMessage, Res extends ServerResponse>(
  handler: NodeHandler<Req, Res>,
  options: HttpLoggerOptions | HttpLogger = {},
): LoggedHandler<Req, Res> {
  if (typeof handler !== 'function') throw new TypeError('withRequestLogging(handler): handler must be a function');
  const logger = options instanceof HttpLogger ? options : new HttpLogger(options);
  const serve = logger.options.serveCounters;
  const wrapped = function (this: unknown, req: Req, res: Res): void {
    if (serve && logger.serveCounters(req, res)) return;
    logger.attach(req, res);
    handler.call(this, req, res);
  } as LoggedHandler<Req, Res>;
  Object.defineProperty(wrapped, 'logger', { value: logger, enumerable: true });
  wrapped.addLogger = (sink) => {
    logger.addLogger(sink);
    return wrapped;
  };
  return wrapped;
}
