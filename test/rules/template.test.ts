import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUILTIN_PLACEHOLDERS, parseTemplate, renderTemplate, type Template, type TemplateOptions } from '../../src/rules/template.js';

const builtins = new Set<string>(BUILTIN_PLACEHOLDERS);
function compile(source: string, allowed: ReadonlySet<string> = builtins, options: TemplateOptions = {}): Template {
  const parsed = parseTemplate(source, allowed, options);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

test('renders placeholders into the local part and keeps the literal domain', () => {
  const t = compile('Personal+{service}@GMail.com');
  assert.equal(t.domain, 'gmail.com');
  assert.equal(renderTemplate(t, { service: 'github' }), 'personal+github@gmail.com');
  assert.equal(renderTemplate(compile('{user}.{local}@x.org', builtins, { anyMailbox: true }), { user: 'a', local: 'b+c' }), 'a.b+c@x.org');
});

test('an empty placeholder after a + drops the +', () => {
  const t = compile('partner+{service}@fastmail.com');
  assert.equal(renderTemplate(t, { service: '' }), 'partner@fastmail.com');
  assert.equal(renderTemplate(t, {}), 'partner@fastmail.com');
  assert.equal(renderTemplate(compile('a+{service}{user}@x.org'), { service: '', user: 'u' }), 'a+u@x.org');
  assert.equal(renderTemplate(compile('a+{service}{user}@x.org'), { service: '', user: '' }), 'a@x.org');
  // A "+" that came from a value, not the template, is left alone.
  assert.equal(renderTemplate(compile('{local}{service}@x.org', builtins, { anyMailbox: true }), { local: 'a+', service: '' }), 'a+@x.org');
  assert.equal(renderTemplate(compile('a+b-{service}@x.org'), { service: '' }), 'a+b-@x.org');
});

test('bad templates are refused with a reason', () => {
  const cases: [string, RegExp][] = [
    ['you+{service}', /exactly one "@"/],
    ['a@b@gmail.com', /exactly one "@"/],
    ['you@{domain}', /must be literal/],
    ['you@gmail.{tld}', /must be literal/],
    ['you@gmail', /not a valid domain/],
    ['you@gmail..com', /not a valid domain/],
    ['@gmail.com', /empty local part/],
    ['you+{service@gmail.com', /unclosed/],
    ['you+service}@gmail.com', /unbalanced/],
    ['you+{nope}@gmail.com', /unknown placeholder "\{nope\}"/],
    ['you%x@gmail.com', /not allowed/],
    ['you!x@gmail.com', /not allowed/],
    ['you x@gmail.com', /not allowed/],
    ['"you"@gmail.com', /not allowed/],
    ['you..x@gmail.com', /does not render a valid address/],
    [`${'a'.repeat(65)}@gmail.com`, /does not render a valid address/],
  ];
  for (const [source, message] of cases) {
    const parsed = parseTemplate(source, builtins);
    assert.equal(parsed.ok, false, source);
    if (!parsed.ok) assert.match(parsed.message, message, source);
  }
});

test('only the allowed placeholders are accepted', () => {
  assert.equal(parseTemplate('me+{list}@x.org', new Set(['list'])).ok, true);
  assert.equal(parseTemplate('me+{list}@x.org', builtins).ok, false);
});

test('a template fixes the mailbox: literal text first, placeholders only after a "+"', () => {
  const fixed = ['you+{service}@gmail.com', 'you+news.{service}@gmail.com', 'me+{local}.{domain}@z.org', 'a+b-{service}{user}@x.org', 'copy@w.org'];
  for (const source of fixed) assert.equal(parseTemplate(source, builtins).ok, true, source);
  // Each of these lets the recipient address pick the mailbox: ceo.victim@your.domain → ceo.victim@gmail.com.
  const open: Array<[string, RegExp, number]> = [
    ['{service}@gmail.com', /does not start with your mailbox/, 0],
    ['{local}@gmail.com', /does not start with your mailbox/, 0],
    ['+{service}@gmail.com', /does not start with your mailbox/, 1],
    ['you.{service}@gmail.com', /has a placeholder before any "\+"/, 4],
    ['you{service}+x@gmail.com', /has a placeholder before any "\+"/, 3],
    ['{user}+{service}@gmail.com', /does not start with your mailbox/, 0],
  ];
  for (const [source, reason, index] of open) {
    const parsed = parseTemplate(source, builtins);
    assert.equal(parsed.ok, false, source);
    if (parsed.ok) continue;
    assert.match(parsed.message, reason, source);
    assert.match(parsed.message, /anyone could send through your domain to any mailbox at gmail\.com/, source);
    assert.match(parsed.message, /any_mailbox: true/, source);
    assert.equal(parsed.index, index, `${source}: points at the placeholder`);
  }
});

test('anyMailbox (from any_mailbox: true) lets placeholders choose the mailbox, never the domain', () => {
  const migration = compile('{local}@new.example', builtins, { anyMailbox: true });
  assert.equal(renderTemplate(migration, { local: 'ceo' }), 'ceo@new.example');
  const parsed = parseTemplate('{local}@{domain}', builtins, { anyMailbox: true });
  assert.equal(parsed.ok, false);
  if (!parsed.ok) assert.match(parsed.message, /must be literal/);
});
