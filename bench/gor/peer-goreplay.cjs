// goreplay_middleware 1.0.0 running one scenario through its own API (the peer we compare with).
const gor = require('goreplay_middleware');

const scenario = process.argv[2];
gor.init();
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
// passthrough: no handler; goreplay's library echoes every message it parsed.
