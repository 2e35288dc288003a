import type { AddressInfo } from 'node:net';

/**
 * What to say when the server cannot listen, in one line (the address taken, not allowed, or not this machine's);
 * null for anything else, which stays an error with its stack.
 */
export function listenFailure(err: unknown, port: number, host: string): string | null {
  const code = err instanceof Error && 'code' in err ? err.code : undefined;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (code === 'EADDRINUSE') return `port ${port} is in use: another plus-relay or another server listens on ${where} (stop it, or set PORT)`;
  if (code === 'EACCES') return `may not listen on ${where}: ports below 1024 need privileges (set PORT, e.g. PORT=8080)`;
  if (code === 'EADDRNOTAVAIL') return `cannot listen on ${where}: ${host} is not an address of this machine (set HOST)`;
  return null;
}

/** The URL a person on this machine opens: a wildcard listener (0.0.0.0, ::) is reached through localhost. */
export function localUrl(address: AddressInfo | string | null, host: string): string {
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const name = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${port}`;
}
