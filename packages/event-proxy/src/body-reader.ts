import type { Readable } from 'node:stream';

/**
 * Read a stream into one Buffer, but never more than `limit` bytes: past the limit it stops reading
 * (the stream is paused, not drained) and rejects with `tooLarge()`.
 */
export function readLimited(stream: Readable, limit: number, tooLarge: (received: number) => Error): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (stream.readableEnded) {
      resolve(Buffer.alloc(0));
      return;
    }
    const parts: Buffer[] = [];
    let received = 0;
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        cleanup();
        stream.pause();
        reject(tooLarge(received));
        return;
      }
      parts.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, received));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      cleanup();
      reject(new Error('request stream closed before its end'));
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

/** Any body value as a Buffer (strings as UTF-8). */
export function toBuffer(body: Buffer | Uint8Array | string): Buffer {
  if (typeof body === 'string') return Buffer.from(body);
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}
