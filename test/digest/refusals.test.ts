// What the owner reads about mail the relay refused or held, in the digest and on the admin page: each refusal under
// its reason's own words, and the flood guard's holds once per mailbox, also when two users' digests go to that one
// mailbox. A running relay, real SQLite, the digest sent through the loopback Mailgun API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mail, post } from '../helpers/mail.js';
import { adminPost, basic } from '../helpers/admin.js';
import { digestRelay, MORNING, sendDigest } from './helpers.js';

// Two users whose mail (and digests) go to one Gmail mailbox; the owner's unknown aliases are refused, the partner
// takes new aliases but refuses spam.
const RULES = `domains: [destroy.systems]
digest: {at: "08:00", timezone: "Europe/Berlin"}
new_aliases: reject
users:
  owner: "me+{service}@gmail.com"
  partner:
    to: "me+partner-{service}@gmail.com"
    new_aliases: accept
    spam: {score_above: 5, then: reject}
rules:
  - match: "p-{service}"
    user: partner
  - match: "{service}"
    user: owner
`;

test('the digest counts refusals by reason in their own words, and a shared mailbox hears of its holds once', async (t) => {
  const { app, api, store, clock } = await digestRelay(t, MORNING - 3 * 3600_000, { rules: RULES });
  for (const alias of ['unknown1', 'unknown2', 'unknown1']) assert.equal((await post(app, mail(`${alias}@destroy.systems`, { clock }))).statusCode, 406);
  assert.equal((await adminPost(app, 'old@destroy.systems')).statusCode, 200);
  assert.equal((await adminPost(app, 'old@destroy.systems', 'block')).statusCode, 200);
  assert.equal((await post(app, mail('old@destroy.systems', { clock }))).statusCode, 406);
  assert.equal((await post(app, mail('p-junk@destroy.systems', { clock, spam: { flag: 'Yes', score: '9' } }))).statusCode, 406);
  // The flood guard held mail to the shared mailbox under two limits.
  await store.flood.note({ limit: 'per_minute', mailbox: 'me@gmail.com', max: 30 }, clock.now());
  await store.flood.note({ limit: 'per_minute', mailbox: 'me@gmail.com', max: 30 }, clock.now() + 1000);
  await store.flood.note({ limit: 'new_aliases_per_hour', mailbox: 'me@gmail.com', max: 50 }, clock.now() + 2000);
  clock.offsetMs += 3 * 3600_000;

  // The admin page says the same, for the last 24 hours.
  const page = (await app.inject({ method: 'GET', url: '/admin', headers: { ...basic(), accept: 'text/html' } })).body;
  assert.match(
    page,
    /<strong>Refused<\/strong>, last 24 h: refused: blocked — 1 message to 1 alias; refused: `new_aliases: reject` — 3 messages to 2 aliases; refused: your sender or spam policies — 1 message to 1 alias\./,
  );
  assert.match(page, /held by the flood guard: 2 messages to me@gmail\.com \(per_minute 30; Mailgun retries them\)/);

  const answer = await sendDigest(app);
  assert.deepEqual(answer.digests.map((d) => [d.user, d.status]), [['owner', 'sent'], ['partner', 'sent']]);
  const textTo = (to: string) => api.sent.find((s) => s.fields.to?.[0] === to)?.fields.text?.[0] ?? '';
  const texts = { owner: textTo('me+plus-relay@gmail.com'), partner: textTo('me+partner-plus-relay@gmail.com') };
  assert.match(texts.owner ?? '', /\n {2}refused: blocked — 1 blocked alias still mailed\n/);
  assert.match(texts.owner ?? '', /\n {2}refused: `new_aliases: reject` — 2 aliases the relay did not know \(3 messages\); if one is yours, plus-relay alias add \(or alias import\) it\n/);
  assert.match(texts.partner ?? '', /\n {2}refused: your sender or spam policies — 1 new alias \(1 message\)\n/);
  const floodLine = /held by the flood guard for me@gmail\.com \(Mailgun retries it\): 3 times \((per_minute 2, new_aliases_per_hour 1|new_aliases_per_hour 1, per_minute 2)\), /;
  assert.match(texts.owner ?? '', floodLine, 'one line for the mailbox, both limits in it');
  assert.equal((texts.owner ?? '').match(/held by the flood guard/g)?.length, 1);
  assert.doesNotMatch(texts.partner ?? '', /flood guard/i, 'the same mailbox is not told twice');
  assert.doesNotMatch(Object.values(texts).join('\n'), /policies said no/);
});
