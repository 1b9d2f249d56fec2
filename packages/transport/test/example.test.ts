/** The example at the top of src/index.ts runs as written. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createIdentity, Session } from '../src/index.js';

it('the entry point example opens a session and delivers a message', () => {
  const a = new Session({ role: 'initiator', identity: createIdentity() });
  const b = new Session({ role: 'responder', identity: createIdentity() });
  let now = 0;
  a.start(now);
  b.start(now);
  while (!a.isOpen || !b.isOpen) {
    for (const d of a.takeOutput()) b.receive(d, now);
    for (const d of b.takeOutput()) a.receive(d, now);
    now += 10;
  }
  a.sendMessage(new TextEncoder().encode('hello'), now);
  for (const d of a.takeOutput()) b.receive(d, now);
  const events = b.takeEvents();
  assert.deepEqual(
    events.map((e) => e.type),
    ['open', 'message'],
  );
  assert.equal(events[1]?.type === 'message' && new TextDecoder().decode(events[1].data), 'hello');
});
