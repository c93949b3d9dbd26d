import { createMiddleware } from '@traffic/gor-middleware';
const gor = createMiddleware();
gor.on('request', (req) => { req.http; return req; });
await gor.run();
