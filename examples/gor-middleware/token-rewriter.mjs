// Token rewriter: the original and the replayed service hand out different session tokens. Learn the
// pairs from the responses with searchResponses, then rewrite later requests to use the replay's token.
//   gor --input-raw :80 --input-raw-track-response --middleware "node token-rewriter.mjs" \
//       --output-http http://staging --output-http-track-response
import { createLogger, createMiddleware } from '@traffic/gor-middleware';

const gor = createMiddleware({ logger: createLogger({ format: 'pretty' }) });
// Bounded: a long replay must not grow without limit (oldest pair dropped first).
const tokens = new Map();
const MAX_TOKENS = 10_000;

gor.on('request', (req) => {
  const token = gor.httpHeader(req.http, 'Auth-Token')?.value;
  const replayToken = token === undefined ? undefined : tokens.get(token);
  if (replayToken !== undefined) req.http = gor.setHttpHeader(req.http, 'Auth-Token', replayToken);

  gor.searchResponses(req.ID, /^X-Set-Token: (\w+)/im, (original, replayed) => {
    if (original === undefined || replayed === undefined) return;
    tokens.set(original, replayed);
    if (tokens.size > MAX_TOKENS) tokens.delete(tokens.keys().next().value);
  });
  return req;
});

await gor.run();
