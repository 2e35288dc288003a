// A loopback DNS server (real UDP on 127.0.0.1) serving TXT records: DKIM keys and DMARC policies for the relay's
// DMARC check, which resolves through node:dns exactly as in production. Declarative, and it records every question,
// like mailauth's fake resolver:
//
//   const dns = await startDnsServer({ '_dmarc.example.net': ['v=DMARC1; p=reject'] });
//   t.after(() => dns.close());
//   resolver.setServers([dns.address]);           // '127.0.0.1:PORT'
//   dns.questions                                  // [{ name: '_dmarc.example.net', type: 'TXT' }, ...]
//
// A name maps to its TXT records; a record is one string (served as 255-byte character-strings, as real DNS serves
// long DKIM keys) or its character-strings. Unknown names answer NXDOMAIN (ENOTFOUND); a known name asked for another
// type answers no records (ENODATA). Answers carry TTL 0, so no resolver-side cache can hide a lookup from `questions`.
// `mode`: 'answer' (default), 'servfail' (every question answered SERVFAIL), 'silent' (recorded, never answered);
// names in `failing` answer SERVFAIL whatever the mode (one broken zone among working ones).
import { createSocket, type RemoteInfo } from 'node:dgram';
import { once } from 'node:events';
import dnsPacket from 'dns-packet';

export type TxtRecords = Record<string, Array<string | string[]>>;

export interface DnsQuestion {
  name: string;
  type: string;
}

export interface DnsServer {
  /** `127.0.0.1:<port>`, as `Resolver.setServers` and DNS_SERVERS take it. */
  readonly address: string;
  /** Live: add, change or delete records between requests. Names are matched case-insensitively. */
  readonly txt: TxtRecords;
  readonly questions: DnsQuestion[];
  mode: 'answer' | 'servfail' | 'silent';
  /** Lowercase names answered SERVFAIL. */
  readonly failing: Set<string>;
  /** How often `name` was asked for (any type). */
  asked(name: string): number;
  close(): Promise<void>;
}

const NXDOMAIN = 3;
const SERVFAIL = 2;

export async function startDnsServer(txt: TxtRecords = {}): Promise<DnsServer> {
  const socket = createSocket('udp4');
  const questions: DnsQuestion[] = [];
  const server: DnsServer = {
    address: '',
    txt,
    questions,
    mode: 'answer',
    failing: new Set(),
    asked: (name) => questions.filter((q) => q.name === name.toLowerCase()).length,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };

  socket.on('message', (message: Buffer, from: RemoteInfo) => {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const asked = query.questions ?? [];
    for (const q of asked) questions.push({ name: q.name.toLowerCase(), type: q.type });
    if (server.mode === 'silent') return;
    const reply = answer(query, asked, server);
    socket.send(dnsPacket.encode(reply), from.port, from.address);
  });

  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const { port } = socket.address();
  return Object.assign(server, { address: `127.0.0.1:${port}` });
}

function answer(query: dnsPacket.DecodedPacket, asked: dnsPacket.Question[], server: DnsServer): dnsPacket.Packet {
  const base = { type: 'response' as const, id: query.id ?? 0, questions: asked };
  const flags = dnsPacket.AUTHORITATIVE_ANSWER | (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
  const q = asked[0];
  if (server.mode === 'servfail' || (q && server.failing.has(q.name.toLowerCase()))) return { ...base, flags: flags | SERVFAIL };
  const records = q ? recordsFor(server.txt, q.name) : undefined;
  if (!q || !records) return { ...base, flags: flags | NXDOMAIN };
  if (q.type !== 'TXT') return { ...base, flags };
  const answers = records.map((record) => ({ type: 'TXT' as const, name: q.name, ttl: 0, data: strings(record) }));
  return { ...base, flags, answers };
}

function recordsFor(txt: TxtRecords, name: string): Array<string | string[]> | undefined {
  const wanted = name.toLowerCase();
  const key = Object.keys(txt).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : txt[key];
}

/** A TXT character-string holds at most 255 bytes: longer records travel as several. */
function strings(record: string | string[]): Buffer[] {
  if (Array.isArray(record)) return record.map((s) => Buffer.from(s));
  const bytes = Buffer.from(record);
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 255) parts.push(bytes.subarray(i, i + 255));
  return parts.length ? parts : [Buffer.alloc(0)];
}
