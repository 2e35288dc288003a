import { dkimSign } from 'mailauth/lib/dkim/sign.js';
import { domainOf, splitFrom } from '../mail/address.js';
import { DEVELOPMENT_DKIM_SELECTOR, developmentDkimKey } from '../forward/development-dkim.js';

/** `mime` with a DKIM signature of `from`'s domain, made with the public development key (outbox mode only trusts it). */
export async function developmentSigned(mime: Buffer, from: string): Promise<Buffer> {
  const domain = domainOf(splitFrom(from).address) ?? 'example.net';
  const privateKey = developmentDkimKey().export({ type: 'pkcs8', format: 'pem' }).toString();
  const signer = { signingDomain: domain, selector: DEVELOPMENT_DKIM_SELECTOR, privateKey, algorithm: 'ed25519-sha256', canonicalization: 'relaxed/relaxed' };
  // One signing time for the bytes signed and the header written (mailauth reads the clock twice otherwise).
  const { signatures, errors } = await dkimSign(mime, { ...signer, signatureData: [signer], signTime: new Date() });
  if (errors.length > 0 || !signatures.startsWith('DKIM-Signature:')) throw new Error(`DKIM signing failed: ${errors.map((e) => e.message).join('; ')}`);
  return Buffer.concat([Buffer.from(signatures, 'ascii'), mime]);
}
