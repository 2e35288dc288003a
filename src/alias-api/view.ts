import { createHash } from 'node:crypto';
import type { AliasEntry } from '../store/inventory.js';

/** One alias as addy.io's API shows it: the fields Bitwarden and the addy.io extension read, and a few more. */
export interface ApiAlias {
  id: string;
  email: string;
  local_part: string;
  domain: string;
  description: string | null;
  active: boolean;
  created_at: string | null;
}

/**
 * An alias's id: addy.io's are UUIDs, and clients keep them to delete the alias later. The relay keys aliases by
 * address, so the id is derived from it (a name-based UUID): the same on every instance and after a restart, with
 * no second key to store or keep in step.
 */
export function aliasId(address: string): string {
  const h = createHash('sha256').update(`plus-relay alias ${address}`).digest('hex');
  const variant = ((parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** addy.io's time format: `2026-12-03 08:00:00`, UTC. */
const addyTime = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString().slice(0, 19).replace('T', ' '));

export function apiAlias(entry: AliasEntry): ApiAlias {
  const at = entry.address.lastIndexOf('@');
  return {
    id: aliasId(entry.address),
    email: entry.address,
    local_part: entry.address.slice(0, at),
    domain: entry.address.slice(at + 1),
    description: entry.description ?? null,
    active: !entry.blocked,
    created_at: addyTime(entry.added ?? entry.firstSeen),
  };
}
