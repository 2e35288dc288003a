/**
 * The mailbox a target lands in, as its provider counts it: lower-cased, its `+tag` removed. Gmail limits what one
 * account receives, and `me+a@gmail.com` and `me+b@gmail.com` are one account, so they share one budget. (Gmail
 * also ignores dots in the local part; other providers do not, and the guard counts per address the rules write.)
 */
export function targetMailbox(target: string): string {
  const address = target.toLowerCase();
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const plus = local.indexOf('+');
  return plus > 0 ? `${local.slice(0, plus)}${address.slice(at)}` : address;
}
