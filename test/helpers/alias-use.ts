import type { AliasUse } from '../../src/store/inventory.js';

/** One message to an alias, as the policy step records it once its outcome is final. */
export const use = (address: string, at: number, outcome: AliasUse['outcome'], senderDomain: string | null, newSender = false): AliasUse => ({
  address,
  at,
  outcome,
  senderDomain,
  newSender,
});
