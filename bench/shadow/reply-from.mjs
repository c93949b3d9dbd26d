// @fastify/reply-from as its README shows it: fastify, register with a base URL, reply.from().
import replyFrom from '@fastify/reply-from';
import Fastify from 'fastify';

const base = process.argv[2];
const app = Fastify({ logger: false });
await app.register(replyFrom, { base });
app.all('/*', (request, reply) => reply.from(request.url));
await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`READY ${JSON.stringify({ url: `http://127.0.0.1:${app.server.address().port}` })}\n`);
process.on('SIGTERM', () => process.exit(0));
