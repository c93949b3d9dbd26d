// @traffic/gor-middleware running one scenario (the built dist, as users run it).
import { createMiddleware } from '@traffic/gor-middleware';

const scenario = process.argv[2];
const gor = createMiddleware({ maxBufferedBytes: 4 * 1024 * 1024 });
if (scenario === 'header') {
  gor.on('request', (req) => {
    req.http = gor.setHttpHeader(req.http, 'X-Replayed', '1');
    return req;
  });
} else if (scenario === 'keyed') {
  gor.on('request', (req) => {
    gor.on('response', req.ID, (resp) => resp);
    return req;
  });
}
// passthrough: no handler at all, every line is echoed as read.
await gor.run();
