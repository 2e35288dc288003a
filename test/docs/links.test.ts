// The README and the pages under docs/ link to each other's sections; a section moved or renamed must not leave a
// link that lands nowhere. Anchors are GitHub's: the heading lower-cased, punctuation dropped, spaces made hyphens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { ROOT } from '../helpers/relay-process.js';
import { docFiles, docText } from '../helpers/readme-sessions.js';

/** GitHub's anchor for a heading. */
export function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a Markdown file's headings (outside code blocks). */
function anchors(text: string): Set<string> {
  const found = new Set<string>();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6} (.+)$/.exec(line)?.[1];
    if (heading) found.add(anchor(heading));
  }
  return found;
}

/** Every relative link of a Markdown file, outside code blocks: [text](target). */
function links(text: string): string[] {
  const prose = text.replace(/^```[\s\S]*?^```$/gm, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] ?? '').filter((target) => !/^[a-z]+:/.test(target));
}

test('anchor: as GitHub makes them', () => {
  assert.equal(anchor('Point Mailgun at the relay: `plus-relay setup-route`'), 'point-mailgun-at-the-relay-plus-relay-setup-route');
  assert.equal(anchor('Editing rules.yaml'), 'editing-rulesyaml');
  assert.equal(anchor('Several instances (Redis)'), 'several-instances-redis');
});

test('every link in the README and docs/ lands on a file that exists and a heading it has', () => {
  const broken: string[] = [];
  for (const file of docFiles()) {
    for (const target of links(docText(file))) {
      const [path = '', hash] = target.split('#');
      const resolved = path === '' ? file : normalize(join(dirname(file), path));
      if (!existsSync(join(ROOT, resolved))) {
        broken.push(`${file}: ${target} (no ${resolved})`);
        continue;
      }
      if (hash !== undefined && (!resolved.endsWith('.md') || !anchors(docText(resolved)).has(hash))) broken.push(`${file}: ${target} (no heading #${hash} in ${resolved})`);
    }
  }
  assert.deepEqual(broken, []);
});

test('the README links every page under docs/', () => {
  const linked = new Set(links(docText('README.md')).map((target) => target.split('#')[0]));
  assert.deepEqual(docFiles().filter((file) => file !== 'README.md' && !linked.has(file)), []);
});
