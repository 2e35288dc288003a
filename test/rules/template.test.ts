import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUILTIN_PLACEHOLDERS, parseTemplate, renderTemplate, type Template } from '../../src/rules/template.js';

const builtins = new Set<string>(BUILTIN_PLACEHOLDERS);
function compile(source: string, allowed: ReadonlySet<string> = builtins): Template {
  const parsed = parseTemplate(source, allowed);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}

test('renders placeholders into the local part and keeps the literal domain', () => {
  const t = compile('Personal+{service}@GMail.com');
  assert.equal(t.domain, 'gmail.com');
  assert.equal(renderTemplate(t, { service: 'github' }), 'personal+github@gmail.com');
  assert.equal(renderTemplate(compile('{user}.{local}@x.org'), { user: 'a', local: 'b+c' }), 'a.b+c@x.org');
});

test('an empty placeholder after a + drops the +', () => {
  const t = compile('partner+{service}@fastmail.com');
  assert.equal(renderTemplate(t, { service: '' }), 'partner@fastmail.com');
  assert.equal(renderTemplate(t, {}), 'partner@fastmail.com');
  assert.equal(renderTemplate(compile('a+{service}{user}@x.org'), { service: '', user: 'u' }), 'a+u@x.org');
  assert.equal(renderTemplate(compile('a+{service}{user}@x.org'), { service: '', user: '' }), 'a@x.org');
  // A "+" that came from a value, not the template, is left alone.
  assert.equal(renderTemplate(compile('{local}{service}@x.org'), { local: 'a+', service: '' }), 'a+@x.org');
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
