#!/usr/bin/env node
// One hello-world node:http server per process, logging (or not) with the chosen peer:
//   node server.mjs <bare|ours|pino-http|morgan|busy-N> [logfile]   (busy-N: N µs of CPU per request)
// Prints "READY {port}" when listening; on SIGTERM flushes its log and exits.
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:http';

const [mode = 'bare', logFile = '/dev/null'] = process.argv.slice(2);
const hello = (_req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end('hello world');
};

let handler = hello;
let flush = async () => {};
if (mode === 'ours') {
  const { fileSink, withRequestLogging } = await import('@traffic/http-logger');
  handler = withRequestLogging(hello, { sink: fileSink(logFile) });
  flush = () => handler.logger.close();
} else if (mode === 'pino-http') {
  const { default: pino } = await import('pino');
  const { default: pinoHttp } = await import('pino-http');
  // As pino's users run it in production: an asynchronous (sonic-boom) destination.
  const destination = pino.destination({ dest: logFile, sync: false });
  const log = pinoHttp({ logger: pino(destination) });
  handler = (req, res) => {
    log(req, res);
    hello(req, res);
  };
  flush = () => new Promise((resolve) => destination.flush(() => resolve()));
} else if (mode === 'morgan') {
  const { default: morgan } = await import('morgan');
  const stream = createWriteStream(logFile, { flags: 'a' });
  const log = morgan('combined', { stream });
  handler = (req, res) => log(req, res, () => hello(req, res));
  flush = () => new Promise((resolve) => stream.end(resolve));
} else if (/^busy-\d+$/.test(mode)) {
  // Calibration (run.mjs --calibrate): pure CPU work of a known cost per request, no allocation.
  const costMs = Number(mode.slice('busy-'.length)) / 1000;
  handler = (req, res) => {
    const until = performance.now() + costMs;
    while (performance.now() < until);
    hello(req, res);
  };
} else if (mode !== 'bare') {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}

const server = createServer(handler);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  console.log(`READY ${JSON.stringify({ port: server.address().port })}`);
});
process.on('SIGTERM', async () => {
  server.close();
  server.closeAllConnections?.();
  await flush();
  process.exit(0);
});
