// Filter: replay only GET requests, never health checks; count what was dropped.
//   gor --input-raw :80 --middleware "node filter.mjs" --output-http http://staging
import { createLogger, createMiddleware } from '@traffic/gor-middleware';

const gor = createMiddleware({ logger: createLogger({ format: 'pretty' }) });

gor.on('request', (req) => {
  if (gor.httpMethod(req.http) !== 'GET') return null;
  if (gor.httpPath(req.http).startsWith('/health')) return null;
  return req;
});

const stats = await gor.run();
process.stderr.write(`filter: forwarded ${stats.byType.request.forwarded}, dropped ${stats.byType.request.filtered}\n`);
