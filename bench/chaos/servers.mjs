// Bench peers, run as a separate process: an echo server and a "source" server that answers a
// line "N\n" with N bytes and then ends (a single one-way stream). Prints READY {"echo":..,"source":..}.
import { createServer } from 'node:net';

const block = Buffer.alloc(256 * 1024, 120);

const echo = createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => {});
  socket.pipe(socket);
});

const source = createServer((socket) => {
  socket.on('error', () => {});
  let head = '';
  socket.on('data', function onData(chunk) {
    head += chunk.toString('latin1');
    const newline = head.indexOf('\n');
    if (newline === -1) return;
    socket.off('data', onData);
    let left = Number(head.slice(0, newline));
    const pump = () => {
      while (left > 0) {
        const part = left >= block.length ? block : block.subarray(0, left);
        left -= part.length;
        if (!socket.write(part)) return socket.once('drain', pump);
      }
      socket.end();
    };
    pump();
  });
});

const listen = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
const ports = { echo: await listen(echo), source: await listen(source) };
process.stdout.write(`READY ${JSON.stringify(ports)}\n`);
process.on('SIGTERM', () => process.exit(0));
