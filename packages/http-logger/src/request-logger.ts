import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpLogger } from './http-logger.js';
import type { HttpLoggerOptions } from './options.js';
import type { SinkInput } from './sink.js';

export type NextFn = (error?: unknown) => void;

export type RequestLoggerMiddleware = ((req: IncomingMessage, res: ServerResponse, next: NextFn) => void) & {
  /** The logger behind the middleware: stats(), counters, flush(), close(). */
  readonly logger: HttpLogger;
  /** Add a destination; returns the middleware. */
  addLogger(sink: SinkInput): RequestLoggerMiddleware;
};

/**
 * connect/express middleware: `app.use(requestLogger())`. Same ids, line and counters as
 * withRequestLogging; with serveCounters it also answers the counters paths itself.
 */
export function requestLogger(options: HttpLoggerOptions | HttpLogger = {}): RequestLoggerMiddleware {
  const logger = options instanceof HttpLogger ? options : new HttpLogger(options);
  const serve = logger.options.serveCounters;
  const middleware = ((req: IncomingMessage, res: ServerResponse, next: NextFn): void => {
    if (serve && logger.serveCounters(req, res)) return;
    logger.attach(req, res);
    next();
  }) as RequestLoggerMiddleware;
  Object.defineProperty(middleware, 'logger', { value: logger, enumerable: true });
  middleware.addLogger = (sink) => {
    logger.addLogger(sink);
    return middleware;
  };
  return middleware;
}
