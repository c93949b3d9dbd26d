import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { createGzip, gzipSync } from 'node:zlib';
import { listenOn } from '../listen.js';

/**
 * A real node:http server on 127.0.0.1:0 that answers from a script and records every request it
 * receives. Tests use it as the upstream, master or shadow; close() destroys open sockets too.
 */
export interface ScriptedResponse {
  status?: number;
  /** Headers; an array value sends the header several times (e.g. two Set-Cookie lines). */
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** Wait this long before sending the head. */
  delayMs?: number;
  /** Never answer (the socket stays open until the client or close() ends it). */
  hang?: boolean;
  /** Destroy the socket without any answer. */
  destroy?: boolean;
  /** Send the head and this many body bytes, then destroy the socket. */
  truncateAfter?: number;
  /** Send the body as these chunks (chunked transfer coding), `chunkIntervalMs` apart. */
  chunks?: (string | Buffer)[];
  chunkIntervalMs?: number;
  /** gzip the body (or the chunks, each flushed as it is sent) and set Content-Encoding: gzip. */
  gzip?: boolean;
}

export type ScriptFn = (request: RecordedRequest, req: IncomingMessage) => ScriptedResponse | Promise<ScriptedResponse>;

export interface RecordedRequest {
  method: string;
  /** The request target exactly as received. */
  url: string;
  /** Lower-cased header object as node parses it. */
  headers: IncomingMessage['headers'];
  /** [name, value, ...] with case and order as received. */
  rawHeaders: string[];
  /** The body, up to recordBodyLimit bytes. */
  body: Buffer;
  /** Total body bytes received (may exceed body.length). */
  bodyBytes: number;
  /** sha256 hex of the whole body. */
  bodySha256: string;
  /** True when the client went away before the body ended. */
  aborted: boolean;
}

export interface TestHttpServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Every request received so far, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Change the script for later requests. */
  setScript(script: ScriptedResponse | ScriptFn): void;
  /** Number of TCP connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export interface TestHttpServerOptions {
  /** Keep at most this many body bytes per recorded request (default 1 MiB). */
  recordBodyLimit?: number;
  host?: string;
}

export async function startHttpServer(
  script: ScriptedResponse | ScriptFn = {},
  options: TestHttpServerOptions = {},
): Promise<TestHttpServer> {
  const limit = options.recordBodyLimit ?? 1024 * 1024;
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let current = script;
  let connections = 0;

  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    let kept = 0;
    let total = 0;
    const hash = createHash('sha256');
    const record: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body: Buffer.alloc(0),
      bodyBytes: 0,
      bodySha256: '',
      aborted: false,
    };
    requests.push(record);
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      hash.update(chunk);
      if (kept < limit) {
        const piece = chunk.subarray(0, limit - kept);
        parts.push(piece);
        kept += piece.length;
      }
    });
    req.on('aborted', () => {
      record.aborted = true;
    });
    req.on('error', () => {
      record.aborted = true;
    });
    req.on('end', () => {
      record.body = Buffer.concat(parts, kept);
      record.bodyBytes = total;
      record.bodySha256 = hash.digest('hex');
      void answer(record, req, res);
    });
  });
  server.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function answer(record: RecordedRequest, req: IncomingMessage, res: ServerResponse): Promise<void> {
    let response: ScriptedResponse;
    try {
      response = typeof current === 'function' ? await current(record, req) : current;
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`script threw: ${(error as Error).message}`);
      return;
    }
    if (response.delayMs) await new Promise((resolve) => setTimeout(resolve, response.delayMs));
    if (response.hang) return;
    if (response.destroy) {
      req.socket.destroy();
      return;
    }
    let body = typeof response.body === 'string' ? Buffer.from(response.body) : (response.body ?? Buffer.alloc(0));
    const headers: Record<string, string | string[]> = { ...response.headers };
    if (response.gzip) headers['content-encoding'] = 'gzip';
    if (response.chunks) {
      res.writeHead(response.status ?? 200, headers);
      const gzip = response.gzip ? flushingGzip() : undefined;
      for (const chunk of response.chunks) {
        if (res.destroyed) return;
        res.write(gzip ? await gzip.piece(chunk) : chunk);
        if (response.chunkIntervalMs) await new Promise((resolve) => setTimeout(resolve, response.chunkIntervalMs));
      }
      if (gzip && !res.destroyed) res.write(await gzip.end());
      res.end();
      return;
    }
    if (response.gzip) body = gzipSync(body);
    if (response.truncateAfter !== undefined) {
      headers['content-length'] = String(body.length);
      res.writeHead(response.status ?? 200, headers);
      res.write(body.subarray(0, response.truncateAfter), () => req.socket.destroy());
      return;
    }
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-length'))
      headers['content-length'] = String(body.length);
    res.writeHead(response.status ?? 200, headers);
    res.end(body);
  }

  const host = options.host ?? '127.0.0.1';
  const { port, url } = await listenOn(server, { host, port: 0 });
  return {
    url,
    host,
    port,
    requests,
    get connections() {
      return connections;
    },
    setScript(next) {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** One gzip stream whose output is taken per piece (sync-flushed), so each chunk is decodable on arrival. */
function flushingGzip(): { piece(chunk: string | Buffer): Promise<Buffer>; end(): Promise<Buffer> } {
  const gzip = createGzip();
  let out: Buffer[] = [];
  gzip.on('data', (data: Buffer) => out.push(data));
  const take = () => {
    const taken = Buffer.concat(out);
    out = [];
    return taken;
  };
  // 'data' can lag the write callback by a tick; setImmediate lets it arrive first.
  const settle = (resolve: (value: Buffer) => void) => setImmediate(() => resolve(take()));
  return {
    piece: (chunk) =>
      new Promise((resolve) => {
        gzip.write(chunk);
        gzip.flush(() => settle(resolve));
      }),
    // 'end' fires once the trailer has been emitted as data.
    end: () =>
      new Promise((resolve) => {
        gzip.once('end', () => resolve(take()));
        gzip.end();
      }),
  };
}
