import { createHash } from 'node:crypto';
import type { LedgerSpace } from './types.js';

/** The ledger's spaces, and the signature tokens' bindings to the endpoint that used them (Ledger.bind). */
export type StoredSpace = LedgerSpace | 'signature';

/**
 * The stored form of a ledger key: its space and a SHA-256 of the key. Keys hold Message-Ids, content
 * digests and target addresses: hashed, they have a fixed size whatever a sender puts in a header, and
 * the store holds no addresses in the clear.
 */
export function storedKey(space: StoredSpace, key: string): string {
  return `${space}:${createHash('sha256').update(key).digest('hex')}`;
}
