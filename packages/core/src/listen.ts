import type { Server } from 'node:net';
import type { HostPort } from './options.js';

/**
 * Start a net or http server on host:port and resolve with the address it really bound (port 0 →
 * the chosen port) and its http URL. A bind error (EADDRINUSE, EACCES) rejects instead of being
 * thrown later from an 'error' event.
 */
export interface BoundAddress extends HostPort {
  /** `http://host:port`, with IPv6 hosts in brackets. */
  url: string;
}

export function listenOn(server: Server, address: HostPort): Promise<BoundAddress> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      const bound = server.address();
      const host = typeof bound === 'object' && bound !== null ? bound.address : address.host;
      const port = typeof bound === 'object' && bound !== null ? bound.port : address.port;
      resolve({ host, port, url: `http://${hostForUrl(host)}:${port}` });
    });
  });
}

/** A host as it appears in a URL or a "host:port" string: IPv6 literals in brackets. */
export function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
