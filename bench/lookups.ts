// What a burst of raw-mode posts cost in DNS: the questions the bench's DNS server was asked during it, per name.
// Its answers carry TTL 0, so only the relay's own cache can spare a question.
import type { DnsQuestion } from '../test/support/dns-server.js';

export interface Lookups {
  /** Raw posts the relay accepted during the burst. */
  posts: number;
  /** Questions per name: the names the messages need, and any other the relay asked. */
  asked: Record<string, number>;
  /** The most any one name was asked. */
  most: number;
}

export function countLookups(questions: readonly DnsQuestion[], expected: readonly string[], posts: number): Lookups {
  const asked: Record<string, number> = Object.fromEntries(expected.map((name) => [name, 0]));
  for (const { name } of questions) asked[name] = (asked[name] ?? 0) + 1;
  return { posts, asked, most: Math.max(0, ...Object.values(asked)) };
}
