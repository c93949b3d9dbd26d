export { FakeClock } from './fake-clock.js';
export type {
  RecordedRequest,
  ScriptedResponse,
  ScriptFn,
  TestHttpServer,
  TestHttpServerOptions,
} from './http-server.js';
export { startHttpServer } from './http-server.js';
export { NdjsonCollector } from './ndjson-collector.js';
export type { TestTcpServer } from './tcp.js';
export { closedPort, startHalfClosePeer, startTcpEchoServer } from './tcp.js';
export { waitUntil } from './wait.js';
