#!/usr/bin/env node
// In-process companion to run.mjs: the full request lifecycle of each logger (real
// IncomingMessage/ServerResponse objects on a socket that discards bytes, the hello-world
// handler, 'finish' then 'close'), without TCP or a load generator. It measures process CPU per
// request (main thread plus the threadpool writing the log file), which stays comparable when other
// jobs share the machine, where req/s over loopback does not.
//   node bench/http-logger/lifecycle.mjs [--smoke] [--only=ours,pino-http]
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { fileSink, requestLogger } from '@traffic/http-logger';
import morgan from 'morgan';
import pino from 'pino';
import pinoHttp from 'pino-http';
import { median, printTable, size, smoke } from '../lib.mjs';
import { countLines } from './count-lines.mjs';

class NullSocket extends Duplex {
  _read() {}
  _write(_chunk, _encoding, callback) {
    callback();
  }
  _writev(_chunks, callback) {
    callback();
  }
}
NullSocket.prototype.remoteAddress = '127.0.0.1';

const dir = mkdtempSync(join(tmpdir(), 'bench-http-logger-lifecycle-'));
const peers = {
  bare: { mw: (_req, _res, next) => next(), close: async () => {} },
};
{
  const mw = requestLogger({ sink: fileSink(join(dir, 'ours.log')) });
  peers.ours = { mw, close: () => mw.logger.close(), file: 'ours.log' };
}
{
  const destination = pino.destination({ dest: join(dir, 'pino-http.log'), sync: false });
  const mw = pinoHttp({ logger: pino(destination) });
  peers['pino-http'] = {
    mw,
    close: () => new Promise((resolve) => destination.flush(() => resolve())),
    file: 'pino-http.log',
  };
}
{
  const stream = createWriteStream(join(dir, 'morgan.log'));
  peers.morgan = {
    mw: morgan('combined', { stream }),
    close: () => new Promise((resolve) => stream.end(resolve)),
    file: 'morgan.log',
  };
}

// One socket per in-flight request, as keep-alive connections would be.
const sockets = Array.from({ length: 64 }, () => {
  const socket = new NullSocket();
  socket.setMaxListeners(0);
  return socket;
});
const hello = (res) => {
  res.setHeader('content-type', 'text/plain');
  res.end('hello world');
};

function one(mw, socket) {
  return new Promise((resolve) => {
    const req = new IncomingMessage(socket);
    req.method = 'GET';
    req.url = '/hello?x=1';
    // As the HTTP parser does: raw headers, the headers object built lazily on first use (a cost
    // every logger that reads a header pays, and a bare server does not).
    req._addHeaderLines(['Host', '127.0.0.1:8080', 'User-Agent', 'autocannon', 'Accept', '*/*'], 6);
    const res = new ServerResponse(req);
    res.assignSocket(socket);
    res.once('finish', () => {
      // What node:http's server does after a response: detach, then 'close'.
      res.detachSocket(socket);
      req.complete = true;
      res.emit('close');
      resolve();
    });
    mw(req, res, () => hello(res));
  });
}

async function slice(mw, ms) {
  const start = process.cpuUsage();
  const deadline = performance.now() + ms;
  let count = 0;
  while (performance.now() < deadline) {
    const batch = [];
    for (const socket of sockets) batch.push(one(mw, socket));
    await Promise.all(batch);
    count += sockets.length;
    await new Promise(setImmediate); // let batched log writes go out, as a server would
  }
  const used = process.cpuUsage(start);
  return { count, cpuUs: (used.user + used.system) / count };
}

const only = process.argv.find((arg) => arg.startsWith('--only='));
const names = only ? ['bare', ...only.slice('--only='.length).split(',')] : Object.keys(peers);
const rounds = size(10, 2);
const sliceMs = size(1500, 300);
const samples = new Map(names.map((name) => [name, []]));
for (const name of names) await slice(peers[name].mw, size(1000, 200)); // JIT warm-up
for (let round = 0; round < rounds; round++) {
  for (const name of round % 2 === 0 ? names : [...names].reverse()) {
    samples.get(name).push((await slice(peers[name].mw, sliceMs)).cpuUs);
  }
}
for (const peer of Object.values(peers)) await peer.close();
const lines = (file) => (file ? countLines(join(dir, file)) : 0);
const bare = median(samples.get('bare'));
const rows = names.map((name) => {
  const cpu = median(samples.get(name));
  return {
    peer: name,
    'CPU µs/req': cpu,
    'req per CPU-s': 1e6 / cpu,
    'logger µs/req': name === 'bare' ? 0 : cpu - bare,
    'lines written': name === 'bare' ? '-' : String(lines(peers[name].file)),
  };
});
rmSync(dir, { recursive: true, force: true });
printTable(
  `http-logger lifecycle (in-process, no TCP): median of ${rounds} slices × ${sliceMs} ms${smoke ? ' (smoke)' : ''}`,
  rows,
  { ratioOf: 'req per CPU-s', against: ['bare'] },
);
const ours = rows.find((row) => row.peer === 'ours');
const pinoRow = rows.find((row) => row.peer === 'pino-http');
if (ours && pinoRow) {
  const ratio = ours['logger µs/req'] / pinoRow['logger µs/req'];
  // Paired by round (the same seconds of machine load for every peer), then the median.
  const paired = median(
    samples.get('ours').map((cpu, round) => {
      const bareCpu = samples.get('bare')[round];
      return (cpu - bareCpu) / (samples.get('pino-http')[round] - bareCpu);
    }),
  );
  console.log(
    `\nour cost / pino-http cost (target ≤ 0.5): ${ratio.toFixed(2)} (medians), ${paired.toFixed(2)} (paired by round)`,
  );
}
