// Raw-mode messages carry the sender's DKIM signature, as real mail does, so the relay's DMARC check does its real
// work: one key lookup and one policy lookup (both served by the bench's DNS server, answered once and then cached
// by the relay), an RSA verification and a body hash per message. Only headers the bench never varies are signed,
// so one signature, made on the template, stays valid for every request's own Message-Id and recipient.
import { generateKeyPairSync } from 'node:crypto';
import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import type { TxtRecords } from '../test/support/dns-server.js';

export const SENDER_DOMAIN = 'shop.example';
const SELECTOR = 'bench';
const SIGNED_HEADERS = ['From', 'Subject', 'Date', 'MIME-Version', 'Content-Type'];

export interface DkimSigner {
  /** The message with its DKIM-Signature header in front. */
  sign(mime: Buffer): Promise<Buffer>;
  /** What the sender's DNS publishes: the key, and a DMARC policy that enforces nothing (the message is kept). */
  records: TxtRecords;
  /** The names the relay looks up for one of these messages. */
  names: string[];
  /** Of those, the sender domain's DMARC policy: asked at least once by a relay that checks. */
  dmarcName: string;
}

export function dkimSigner(): DkimSigner {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKey = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const signer = { signingDomain: SENDER_DOMAIN, selector: SELECTOR, privateKey, canonicalization: 'relaxed/relaxed', algorithm: 'rsa-sha256' };
  const keyName = `${SELECTOR}._domainkey.${SENDER_DOMAIN}`;
  const dmarcName = `_dmarc.${SENDER_DOMAIN}`;
  const publicKey = keys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return {
    async sign(mime) {
      // mailauth signs only what is in `signatureData`; its typings demand the same fields at the top level as well.
      // signTime fixes t= (see test/support/fixtures/dkim.ts: without it a signature can carry a t= it did not sign).
      const { signatures, errors } = await dkimSign(mime, { ...signer, headerList: SIGNED_HEADERS, signatureData: [signer], signTime: new Date() });
      if (errors.length > 0 || !signatures.startsWith('DKIM-Signature:')) throw new Error(`DKIM signing failed: ${errors.map((e) => e.message).join('; ')}`);
      return Buffer.concat([Buffer.from(signatures, 'ascii'), mime]);
    },
    records: { [keyName]: [`v=DKIM1; k=rsa; p=${publicKey}`], [dmarcName]: ['v=DMARC1; p=none'] },
    names: [keyName, dmarcName],
    dmarcName,
  };
}
