import { createMiddleware } from '@traffic/gor-middleware';
import { quickSet } from './.quick.mjs';
const gor = createMiddleware();
gor.on('request', (req) => { req.http = quickSet(req.http, 'X-Replayed', '1') ?? gor.setHttpHeader(req.http, 'X-Replayed', '1'); return req; });
await gor.run();
