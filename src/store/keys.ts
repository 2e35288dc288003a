import { createHash } from 'node:crypto';
import type { LedgerSpace } from './types.js';

/**
 * The stored form of a ledger key: its space and a SHA-256 of the key. Keys hold Message-Ids, content
 * digests and target addresses: hashed, they have a fixed size whatever a sender puts in a header, and
 * the store holds no addresses in the clear.
 */
export function storedKey(space: LedgerSpace, key: string): string {
  return `${space}:${createHash('sha256').update(key).digest('hex')}`;
}
