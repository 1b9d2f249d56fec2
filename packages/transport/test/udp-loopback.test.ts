/**
 * The Node adapters on loopback UDP with real timers: two PathSessions over UdpPaths open, trade a
 * message each way and a 200 KB stream. Waits on events, never on sleeps.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { describe, it } from 'node:test';
import { createIdentity, PathSession, Session, type SessionEvent } from '../src/index.js';
import { runPathSession, UdpPath } from '../src/node/index.js';

async function bound(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return s;
}

function waiter(events: SessionEvent[]) {
  let wake = () => {};
  return {
    push(e: SessionEvent) {
      events.push(e);
      wake();
    },
    until(cond: () => boolean): Promise<void> {
      return new Promise((resolve) => {
        wake = () => cond() && resolve();
        wake();
      });
    },
  };
}

describe('UdpPath and runPathSession', () => {
  it('open a session on loopback and carry messages and a stream', async () => {
    const [ua, ub] = [await bound(), await bound()];
    const [ia, ib] = [createIdentity(), createIdentity()];
    const ea: SessionEvent[] = [];
    const eb: SessionEvent[] = [];
    const wa = waiter(ea);
    const wb = waiter(eb);
    const a = new PathSession(
      new Session({ role: 'initiator', identity: ia, remoteIdentity: ib.publicKey }),
      () => Math.floor(performance.now()),
      wa.push,
      1200,
    );
    const b = new PathSession(
      new Session({ role: 'responder', identity: ib, remoteIdentity: ia.publicKey }),
      () => Math.floor(performance.now()),
      wb.push,
      1200,
    );
    const pathA = new UdpPath(ua, { address: '127.0.0.1', port: ub.address().port });
    const pathB = new UdpPath(ub, { address: '127.0.0.1', port: ua.address().port });
    a.addPath(pathA);
    b.addPath(pathB);
    a.select(pathA.id);
    b.select(pathB.id);
    const stops = [runPathSession(b), runPathSession(a)];
    try {
      await wa.until(() => ea.some((e) => e.type === 'open'));
      a.sendMessage(Uint8Array.of(1, 2, 3));
      const stream = a.openStream();
      a.writeStream(stream, new Uint8Array(200_000).fill(7));
      a.endStream(stream);
      await wb.until(() => eb.some((e) => e.type === 'stream-end'));
      b.sendMessage(Uint8Array.of(9));
      await wa.until(() => ea.some((e) => e.type === 'message'));
      assert.deepEqual(
        eb.flatMap((e) => (e.type === 'message' ? [[...e.data]] : [])),
        [[1, 2, 3]],
      );
      const bytes = eb.reduce((n, e) => n + (e.type === 'stream-data' ? e.data.length : 0), 0);
      assert.equal(bytes, 200_000);
      assert.equal(
        ea.filter((e) => e.type === 'error').length + eb.filter((e) => e.type === 'error').length,
        0,
      );
    } finally {
      stops.forEach((stop) => stop());
      pathA.close();
      pathB.close();
      ua.close();
      ub.close();
    }
  });
});
