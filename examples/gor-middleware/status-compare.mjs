// Original-vs-replay comparison: request -> response#id -> replay#id, report status mismatches.
//   gor --input-raw :80 --input-raw-track-response --middleware "node status-compare.mjs" \
//       --output-http http://staging --output-http-track-response
import { createLogger, createMiddleware } from '@traffic/gor-middleware';

const logger = createLogger({ format: 'pretty' });
const gor = createMiddleware({ logger });
let compared = 0;
let mismatched = 0;

gor.on('request', (req) => {
  gor.on('response', req.ID, (original) => {
    gor.on('replay', req.ID, (replayed) => {
      compared++;
      const expected = gor.httpStatus(original.http);
      const got = gor.httpStatus(replayed.http);
      if (expected !== got) {
        mismatched++;
        logger.warn({ id: req.ID, path: gor.httpPath(req.http), expected, got }, 'status mismatch');
      }
      return replayed;
    });
    return original;
  });
  return req;
});

await gor.run();
process.stderr.write(`status-compare: ${compared} compared, ${mismatched} mismatched\n`);
