import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { decodeChunked, decodeContentEncoding, encodeChunked, encodeContentEncoding, HttpMessage } from '@traffic/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Generators for valid HTTP/1 messages. Strings are latin1 (one char per byte), as HttpMessage reads them.
const TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const VCHAR = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join('');
const OBS_TEXT = Array.from({ length: 0x80 }, (_, i) => String.fromCharCode(0x80 + i)).join('');
const PCHAR = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@%/?";

const from = (alphabet: string, minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength, maxLength });

const token = from(TCHAR, 1, 16);
/** A field value as parse returns it: no leading/trailing whitespace, inner SP/HTAB allowed. */
const fieldValue = (visible: string) =>
  fc
    .array(fc.oneof({ weight: 6, arbitrary: from(visible, 1, 8) }, { weight: 1, arbitrary: from(' \t', 1, 2) }), {
      maxLength: 5,
    })
    .map((parts) => parts.join('').replace(/^[ \t]+|[ \t]+$/g, ''));
const ows = from(' \t', 0, 2);
const newline = fc.constantFrom('\r\n', '\n');

interface GeneratedHeader {
  name: string;
  value: string;
  line: string;
}

const header = (visible: string) =>
  fc
    .record({ name: token, value: fieldValue(visible), before: ows, after: ows })
    .map(({ name, value, before, after }) => ({ name, value, wire: `${name}:${before}${value}${after}` }));

const startLine = fc.oneof(
  fc.record({
    kind: fc.constant('request' as const),
    method: token,
    target: fc.oneof(
      from(PCHAR, 0, 30).map((rest) => `/${rest}`),
      fc.constant('*'),
    ),
    version: fc.constantFrom('HTTP/1.0', 'HTTP/1.1'),
  }),
  fc.record({
    kind: fc.constant('response' as const),
    version: fc.constantFrom('HTTP/1.0', 'HTTP/1.1'),
    status: fc.integer({ min: 100, max: 999 }),
    reason: fc.option(from(`${VCHAR} \t${OBS_TEXT}`, 0, 20), { nil: undefined }),
  }),
);

const message = fc
  .record({
    start: startLine,
    headers: fc.array(header(VCHAR + OBS_TEXT), { maxLength: 12 }),
    newline,
    body: fc.uint8Array({ maxLength: 200 }),
  })
  .map(({ start, headers, newline: nl, body }) => {
    const line =
      start.kind === 'request'
        ? `${start.method} ${start.target} ${start.version}`
        : `${start.version} ${start.status}${start.reason === undefined ? '' : ` ${start.reason}`}`;
    const lines: GeneratedHeader[] = headers.map((field) => ({
      name: field.name,
      value: field.value,
      line: `${field.wire}${nl}`,
    }));
    const head = `${line}${nl}${lines.map((field) => field.line).join('')}${nl}`;
    return { start, line, headers: lines, nl, head, body: Buffer.from(body) };
  });

describe('HttpMessage property: round trip', () => {
  it('parses every field of a generated message and keeps every byte', () => {
    fc.assert(
      fc.property(message, (generated) => {
        const bytes = Buffer.concat([Buffer.from(generated.head, 'latin1'), generated.body]);
        const parsed = HttpMessage.parse(bytes);
        const { start } = generated;
        expect(parsed.kind).toBe(start.kind);
        expect(parsed.version).toBe(start.version);
        if (start.kind === 'request') {
          expect(parsed.method).toBe(start.method);
          expect(parsed.target).toBe(start.target);
        } else {
          expect(parsed.status).toBe(start.status);
          expect(parsed.reason).toBe(start.reason ?? '');
        }
        expect(parsed.headers.map((field) => [field.name, field.value])).toEqual(
          generated.headers.map((field) => [field.name, field.value]),
        );
        // Each field's offsets cover exactly its generated line.
        parsed.headers.forEach((field, i) => {
          expect(bytes.toString('latin1', field.start, field.end)).toBe(generated.headers[i]?.line);
        });
        expect(parsed.headBytes.toString('latin1')).toBe(generated.head);
        expect(parsed.body.equals(generated.body)).toBe(true);
        expect(parsed.toBuffer().equals(bytes)).toBe(true);
        expect(HttpMessage.parse(parsed.toString()).toBuffer().equals(bytes)).toBe(true);
        // Lookups are case-insensitive and keep order.
        for (const field of generated.headers) {
          const same = generated.headers.filter((other) => other.name.toLowerCase() === field.name.toLowerCase());
          expect(parsed.headerValues(field.name.toUpperCase())).toEqual(same.map((other) => other.value));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('setHeader on one field rewrites only that line (and drops its duplicates)', () => {
    const withHeader = message.filter((generated) => generated.headers.length > 0);
    fc.assert(
      fc.property(withHeader, fc.nat(), fieldValue(VCHAR), (generated, pick, value) => {
        const bytes = Buffer.concat([Buffer.from(generated.head, 'latin1'), generated.body]);
        const parsed = HttpMessage.parse(bytes);
        const target = generated.headers[pick % generated.headers.length] as GeneratedHeader;
        const lower = target.name.toLowerCase();
        const same = parsed.headers.filter((field) => field.name.toLowerCase() === lower);
        const first = same[0];
        if (first === undefined) throw new Error('generated header not parsed');
        const changed = parsed.setHeader(target.name.toLowerCase(), value);
        if (same.length === 1 && first.value === value) {
          expect(changed).toBe(parsed);
          return;
        }
        // Expected: the original bytes with the first field's line replaced and later duplicates cut.
        let expected = '';
        let pos = 0;
        const text = bytes.toString('latin1');
        for (const field of same) {
          expected += text.slice(pos, field.start);
          if (field === first) expected += `${first.name}: ${value}${generated.nl}`;
          pos = field.end;
        }
        expected += text.slice(pos);
        expect(changed.toString()).toBe(expected);
        expect(changed.headerValues(target.name)).toEqual([value]);
        expect(changed.body.equals(generated.body)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('HttpMessage property: setHeader on an unparsed message', () => {
  // setHeader on a message not parsed yet checks the head but builds only the fields of that name;
  // it must give what it gives after a full parse: the same bytes, or the same error.
  const outcome = (run: () => HttpMessage) => {
    try {
      return run().toString();
    } catch (error) {
      return `error ${(error as { code?: string }).code}`;
    }
  };
  const nasty = fc.constantFrom(' ', '\t', '\r', '\n', '\0', ':', 'a', 'é', ' x: y\r\n');
  const options = fc.record({
    allowPartial: fc.boolean(),
    obsFold: fc.constantFrom('reject' as const, 'unfold' as const),
  });

  it('gives the bytes (or the error) of setHeader after a full parse, for any head', () => {
    fc.assert(
      fc.property(
        message,
        fc.array(fc.tuple(fc.nat(), fc.boolean(), nasty), { maxLength: 2 }),
        fc.option(fc.nat(), { nil: undefined }),
        options,
        fc.oneof(
          token,
          fc.nat().map((n) => `pick${n}`),
        ),
        fieldValue(VCHAR),
        (generated, insertions, cut, parseOptions, randomName, value) => {
          let text = generated.head;
          for (const [at, atLineStart, piece] of insertions) {
            // Anywhere, or at the start of a line (where a space makes obs-fold).
            const starts = [0, ...[...text.matchAll(/\n/g)].map((match) => (match.index ?? 0) + 1)];
            const where = atLineStart ? (starts[at % starts.length] as number) : at % (text.length + 1);
            text = text.slice(0, where) + piece + text.slice(where);
          }
          if (cut !== undefined) text = text.slice(0, cut % (text.length + 1));
          const bytes = Buffer.concat([Buffer.from(text, 'latin1'), generated.body]);
          const picked = generated.headers[Number(randomName.slice(4)) % Math.max(1, generated.headers.length)];
          // Names of existing fields (in another letter case) or any token.
          const name = randomName.startsWith('pick') ? (picked?.name.toUpperCase() ?? 'X-New') : randomName;
          expect(outcome(() => new HttpMessage(bytes, parseOptions).setHeader(name, value))).toBe(
            outcome(() => HttpMessage.parse(bytes, parseOptions).setHeader(name, value)),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('body codecs property: round trip', () => {
  it('decodeChunked(encodeChunked(body, size, trailers)) gives back body and trailers, consuming everything', () => {
    const trailer = fc.tuple(token, fieldValue(VCHAR));
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 3000 }),
        fc.integer({ min: 1, max: 700 }),
        fc.array(trailer, { maxLength: 3 }),
        (body, chunkSize, trailers) => {
          const encoded = encodeChunked(Buffer.from(body), chunkSize, trailers);
          const decoded = decodeChunked(encoded);
          expect(decoded.body.equals(Buffer.from(body))).toBe(true);
          expect(decoded.trailers).toEqual(trailers);
          expect(decoded).toMatchObject({ complete: true, consumed: encoded.length });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('any prefix of a chunked body decodes with allowPartial to a prefix of the body, or throws truncated', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 500 }),
        fc.integer({ min: 1, max: 64 }),
        fc.nat(),
        (body, size, cut) => {
          const encoded = encodeChunked(Buffer.from(body), size);
          const prefix = encoded.subarray(0, cut % encoded.length);
          const partial = decodeChunked(prefix, { allowPartial: true });
          expect(partial.complete).toBe(false);
          expect(Buffer.from(body).subarray(0, partial.body.length).equals(partial.body)).toBe(true);
          expect(() => decodeChunked(prefix)).toThrow(
            expect.objectContaining({ code: 'TRAFFIC_ERR_HTTP_TRUNCATED_CHUNK' }),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('decodeContentEncoding undoes encodeContentEncoding for every coding and stack of codings', () => {
    const coding = fc.constantFrom('gzip', 'deflate', 'br', 'identity');
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(coding, { minLength: 1, maxLength: 3 }),
        (body, codings) => {
          let encoded: Buffer = Buffer.from(body);
          for (const name of codings) encoded = encodeContentEncoding(encoded, name);
          expect(decodeContentEncoding(encoded, codings.join(', ')).equals(Buffer.from(body))).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });
});

// Requests node:http (llhttp, strict mode) accepts: known methods with an origin-form target, a Host
// header (node requires it for HTTP/1.1), visible-ASCII values, CRLF lines, no body framing headers.
const NODE_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'PURGE', 'PROPFIND', 'REPORT'];
const FRAMING = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
  'expect',
  'host',
  'keep-alive',
]);

const nodeRequest = fc
  .record({
    method: fc.constantFrom(...NODE_METHODS),
    target: from(PCHAR.replace('%', ''), 0, 40).map((rest) => `/${rest}`),
    version: fc.constantFrom('HTTP/1.0', 'HTTP/1.1'),
    host: from('abcdefghijklmnopqrstuvwxyz0123456789.-', 1, 20),
    headers: fc.array(header(VCHAR), { maxLength: 12 }),
  })
  .map(({ method, target, version, host, headers }) => {
    const fields = [{ name: 'Host', wire: `Host: ${host}` }, ...headers].filter(
      (field, i) => i === 0 || !FRAMING.has(field.name.toLowerCase()),
    );
    return {
      method,
      target,
      raw: `${method} ${target} ${version}\r\n${fields.map((f) => `${f.wire}\r\n`).join('')}\r\n`,
    };
  });

describe('HttpMessage property: agrees with node:http', () => {
  let server: Server;
  let port = 0;
  let last: { method: string; url: string; rawHeaders: string[] } | undefined;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      last = { method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders };
      req.resume();
      res.writeHead(204, { connection: 'close' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function send(raw: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      const socket = connect(port, '127.0.0.1', () => socket.end(Buffer.from(raw, 'latin1')));
      const timer = setTimeout(() => socket.destroy(new Error('no answer from node:http in 5 s')), 5000);
      socket.on('data', (chunk: Buffer) => parts.push(chunk));
      socket.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(parts).toString('latin1'));
      });
    });
  }

  it('method, url and rawHeaders match node:http for the same bytes', async () => {
    await fc.assert(
      fc.asyncProperty(nodeRequest, async (request) => {
        last = undefined;
        const answer = await send(request.raw);
        expect(answer.slice(0, 12), `node:http rejected ${JSON.stringify(request.raw)}`).toBe('HTTP/1.1 204');
        const parsed = HttpMessage.parse(request.raw);
        // Read through a cast: TypeScript cannot see that the server callback assigned `last`.
        const seen = last as { method: string; url: string; rawHeaders: string[] } | undefined;
        expect(seen).toBeDefined();
        expect(parsed.method).toBe(seen?.method);
        expect(parsed.target).toBe(seen?.url);
        expect(parsed.headers.flatMap((field) => [field.name, field.value])).toEqual(seen?.rawHeaders);
      }),
      { numRuns: 100 },
    );
  });
});
