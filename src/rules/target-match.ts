import type { Template } from './template.js';

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A template as a pattern over rendered addresses: literals as written, placeholders as any run of local-part
 * characters, and a `+` before placeholders optional together with them (rendering drops it when they are
 * empty). `you+{service}@gmail.com` matches `you+github@gmail.com` and `you@gmail.com`, not `youx@gmail.com`.
 */
function templatePattern(template: Template): string {
  let local = '';
  for (let i = 0; i < template.local.length; i++) {
    const part = template.local[i];
    if (part?.kind === 'placeholder') {
      local += '[^@]*';
    } else if (part && part.text.endsWith('+') && template.local[i + 1]?.kind === 'placeholder') {
      while (template.local[i + 1]?.kind === 'placeholder') i++;
      local += `${escape(part.text.slice(0, -1))}(?:\\+[^@]+)?`;
    } else if (part) {
      local += escape(part.text);
    }
  }
  return `${local}@${escape(template.domain)}`;
}

/**
 * Whether an address is one the rules could send to (a rendered target of some template). For finding rule
 * targets among addresses Mailgun lists (bounces, complaints), where there is no alias to route.
 */
export function targetMatcher(templates: Iterable<Template>): (address: string) => boolean {
  const list = [...templates];
  // Built on first use: the relay itself never asks, and a 10,000-user file should not pay for it at every load.
  let all: RegExp | null = null;
  return (address) => {
    all ??= new RegExp(`^(?:${[...new Set(list.map(templatePattern))].join('|') || '(?!)'})$`);
    return all.test(address.toLowerCase());
  };
}
