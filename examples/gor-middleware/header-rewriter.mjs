// Header rewriter: mark every replayed request and strip credentials before they reach staging.
//   gor --input-raw :80 --middleware "node header-rewriter.mjs" --output-http http://staging
import { createLogger, createMiddleware } from '@traffic/gor-middleware';

const gor = createMiddleware({ logger: createLogger({ format: 'pretty' }) });

gor.on('request', (req) => {
  req.http = gor.setHttpHeader(req.http, 'X-Replayed-By', 'traffic');
  req.http = gor.deleteHttpHeader(req.http, 'Authorization');
  return req;
});

await gor.run();
