/**
 * Two sessions joined by a lossy link each way on a fake clock, for tests. `tamper` may rewrite or
 * drop any datagram in flight (return undefined to drop); everything else is the real session.
 */
import { createIdentity, type Identity } from '../../src/crypto/identity.js';
import { Session, type SessionOptions } from '../../src/session/session.js';
import type { SessionEvent } from '../../src/session/session-types.js';
import { type LinkOptions, LossyLink, run } from './lossy-link.js';

export interface PairOptions {
  link?: LinkOptions;
  a?: Partial<SessionOptions>;
  b?: Partial<SessionOptions>;
  tamper?: (bytes: Uint8Array, from: 'a' | 'b') => Uint8Array | undefined;
}

export interface Side {
  session: Session;
  identity: Identity;
  events: SessionEvent[];
  link: LossyLink;
}

export function sessionPair(options: PairOptions = {}) {
  const ia = createIdentity();
  const ib = createIdentity();
  const link = options.link ?? { delayMs: 20 };
  const mk = (
    identity: Identity,
    role: 'initiator' | 'responder',
    extra: Partial<SessionOptions> | undefined,
    seed: number,
  ): Side => ({
    session: new Session({ role, identity, ...extra }),
    identity,
    events: [],
    link: new LossyLink({ ...link, seed: (link.seed ?? 1) + seed }),
  });
  const a = mk(ia, 'initiator', options.a, 0);
  const b = mk(ib, 'responder', options.b, 1000);
  const flush = (side: Side, name: 'a' | 'b', now: number) => {
    for (const bytes of side.session.takeOutput()) {
      const sent = options.tamper ? options.tamper(bytes, name) : bytes;
      if (sent) side.link.send(sent, now);
    }
    side.events.push(...side.session.takeEvents());
  };
  // The fake time, also visible to `done` callbacks while `run` is under way.
  let now = 0;
  const node = (side: Side, name: 'a' | 'b') => ({
    nextWake: (t: number) => side.session.nextWakeAt(t),
    tick: (t: number) => {
      now = t;
      side.session.update(t);
      flush(side, name, t);
    },
  });
  const deliver = (to: Side, name: 'a' | 'b') => (bytes: Uint8Array, t: number) => {
    now = t;
    to.session.receive(bytes, t);
    flush(to, name, t);
  };
  return {
    a,
    b,
    get now() {
      return now;
    },
    /** Starts both sessions (the responder just arms its deadline). */
    start() {
      a.session.start(now);
      b.session.start(now);
      flush(a, 'a', now);
    },
    /** Lets the application act at the current fake time, then sends what it queued. */
    act(fn: (now: number) => void) {
      fn(now);
      flush(a, 'a', now);
      flush(b, 'b', now);
    },
    run(done: () => boolean, limitMs = 60_000) {
      now = run(
        [node(a, 'a'), node(b, 'b')],
        [
          { link: a.link, deliver: deliver(b, 'b') },
          { link: b.link, deliver: deliver(a, 'a') },
        ],
        done,
        now,
        limitMs,
      );
      return now;
    },
  };
}

/** The data of every event of one type, in order. */
export function dataOf(events: SessionEvent[], type: 'message' | 'datagram'): Uint8Array[] {
  return events.flatMap((e) => (e.type === type ? [e.data] : []));
}

export function isOpen(side: Side): boolean {
  return side.events.some((e) => e.type === 'open');
}
