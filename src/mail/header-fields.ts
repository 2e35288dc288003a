/**
 * A MIME body part's header fields with their exact text (the message's own header section is read once, into
 * header-view.ts; this reads the parts inside its body, mime-text.ts): a line and its continuation lines,
 * terminators included, `name` lower-cased ('' for a line that is no field, such as the empty line that ends the section). Joined, the
 * texts are the section byte for byte (read it as latin1): what rewrites and the DKIM verifier's input are cut from.
 */
export function headerFields(head: string): Array<{ name: string; text: string }> {
  const fields: Array<{ name: string; text: string }> = [];
  for (const line of head.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
    const last = fields[fields.length - 1];
    if (last && /^[ \t]/.test(line)) {
      last.text += line;
      continue;
    }
    const colon = line.indexOf(':');
    fields.push({ name: colon > 0 ? line.slice(0, colon).trim().toLowerCase() : '', text: line });
  }
  return fields;
}
