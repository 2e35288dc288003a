import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reach, type Reach } from '../../src/cli/route-reach.js';

test('how much of a domain a route expression takes, from the forms Mailgun documents', () => {
  const cases: Array<[string, string, Reach]> = [
    ['catch_all()', 'a.example', 'all'],
    ['match_recipient(".*@bar.com")', 'bar.com', 'all'],
    ["match_recipient('.*@foo.example.com')", 'foo.example.com', 'all'],
    ['match_recipient("(?P<user>.*?)@(?P<domain>.*)")', 'any.example', 'all'],
    ['match_recipient("(.*)@bar.com")', 'bar.com', 'all'],
    ['match_recipient("(?i).*@BAR.com")', 'bar.com', 'all'],
    ['match_recipient("foo@bar.com")', 'bar.com', 'some'],
    ['match_recipient("^chris\\+(.*)@example.com$")', 'example.com', 'some'],
    ['match_recipient("^sales@partial\\.example$")', 'partial.example', 'some'],
    ['match_recipient(".*@bar.com")', 'example.com', 'none'],
    ['match_recipient("foo@bar.com")', 'example.com', 'none'],
    ['match_recipient("^sales@partial\\.example$")', 'example.com', 'none'],
    // Read as re.match: a pattern that does not start at the local part is not taken to cover anything.
    ['match_recipient("@bar.com")', 'bar.com', 'some'],
    ['match_recipient(".*@(bar|baz).com")', 'qux.com', 'unknown'],
    ['match_header("subject", ".*support")', 'bar.com', 'unknown'],
    ['match_recipient(".*@bar.com") and match_header("x", "y")', 'bar.com', 'unknown'],
    ['match_recipient("(?x)broken[")', 'bar.com', 'unknown'],
  ];
  for (const [expression, domain, expected] of cases) assert.equal(reach(expression, domain), expected, `${expression} for ${domain}`);
});
