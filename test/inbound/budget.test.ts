import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createBodyBudget, type Closable } from '../../src/inbound/budget.js';

/** A response the test closes, as Node closes one when it is answered, aborted or timed out. */
function response(): Closable & { close(): void } {
  const events = new EventEmitter();
  const res = {
    closed: false,
    once: (event: 'close', listener: () => void) => events.once(event, listener),
    close() {
      res.closed = true;
      events.emit('close');
    },
  };
  return res;
}

test('declared lengths are reserved at once; over the budget is a 503 before anything is taken', () => {
  const budget = createBodyBudget(100);
  const first = response();
  budget.open(60, first);
  assert.equal(budget.held(), 60);
  assert.throws(() => budget.open(41, response()), { code: 'PLUS_RELAY_INFLIGHT_FULL', statusCode: 503 });
  assert.equal(budget.held(), 60, 'a refused request holds nothing');
  budget.open(40, response());
  assert.equal(budget.held(), 100);
  first.close();
  assert.equal(budget.held(), 40, 'returned when the response closes');
});

test('a body without a length reserves as it grows, and returns all of it at the end, however it ends', () => {
  const budget = createBodyBudget(100);
  const res = response();
  const allowance = budget.open(0, res);
  allowance.cover(30);
  allowance.cover(20);
  assert.equal(budget.held(), 30, 'covering less than held takes nothing');
  allowance.cover(80);
  assert.equal(budget.held(), 80);
  assert.throws(() => allowance.cover(101), { statusCode: 503 });
  assert.equal(budget.held(), 80);
  res.close();
  assert.equal(budget.held(), 0);
  assert.throws(() => allowance.cover(10), { code: 'PLUS_RELAY_REQUEST_ABORTED' }, 'nothing more once the request is over');
  assert.equal(budget.held(), 0);
});

test('a response already closed (the client left before the handler ran) reserves nothing', () => {
  const budget = createBodyBudget(100);
  const res = response();
  res.close();
  assert.throws(() => budget.open(50, res), { code: 'PLUS_RELAY_REQUEST_ABORTED' });
  assert.equal(budget.held(), 0);
});
