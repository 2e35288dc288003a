// A lean Mailgun API stand-in for the benchmark: it drains each request body and answers 200 JSON, nothing else,
// so it costs the same for every side and is never what limits a measurement. (test/support/mailgun-api.ts parses
// every form to assert on it, which is right for tests and wrong here.) Run as its own process:
//   node --import tsx bench/stand-in.ts      → prints `READY <port>`, then serves until SIGTERM
// GET /__stats answers { "<domain>": { sends, bytes, maxBytes } } for every /v3/<domain>/messages[.mime] POST seen.
import { createServer } from 'node:http';

interface DomainStats {
  sends: number;
  bytes: number;
  maxBytes: number;
}

const stats = new Map<string, DomainStats>();
let next = 0;
const SEND_PATH = /^\/v3\/([^/]+)\/messages(?:\.mime)?$/;

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/__stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(Object.fromEntries(stats)));
    return;
  }
  const domain = req.method === 'POST' ? SEND_PATH.exec(req.url ?? '')?.[1] : undefined;
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  req.on('end', () => {
    if (domain === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not found"}');
      return;
    }
    const entry = stats.get(domain) ?? { sends: 0, bytes: 0, maxBytes: 0 };
    entry.sends += 1;
    entry.bytes += bytes;
    entry.maxBytes = Math.max(entry.maxBytes, bytes);
    stats.set(domain, entry);
    const body = JSON.stringify({ id: `<bench.${++next}@${domain}>`, message: 'Queued. Thank you.' });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
});
// Keep-alive sockets from the senders stay open between runs; the default 5 s would only add reconnects.
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`READY ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
