// How the load generator speaks to each server under test: connect, register, open a pair, send a
// candidate to the partner, and (where supported) send a relay frame.
import { SignJWT } from 'jose';
import WebSocket from 'ws';

/** Opens a socket; with `first`, also waits for the first message matching it (attached before open,
 * because a server may send it in the same segment as the upgrade response). */
const open = (url, first) =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const got = first ? firstMessage(ws, first) : Promise.resolve();
    ws.once('open', () => got.then(() => resolve(ws)));
    ws.once('error', reject);
  });

const firstMessage = (ws, pred) =>
  new Promise((resolve) => {
    const on = (data, isBinary) => {
      if (isBinary) return;
      const m = JSON.parse(data.toString());
      if (pred(m)) {
        ws.off('message', on);
        resolve(m);
      }
    };
    ws.on('message', on);
  });

export const protocols = {
  peerlink: {
    relay: true,
    async connect(base, id, secret) {
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(id)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(secret));
      const ws = await open(`${base}/p2p`);
      const welcome = firstMessage(ws, (m) => m.type === 'welcome');
      ws.send(JSON.stringify({ type: 'register', id, token }));
      await welcome;
      return ws;
    },
    /** Opens a session from a to b; returns the session number. */
    async pair(a, b, bId) {
      const incoming = firstMessage(b, (m) => m.type === 'incoming');
      a.send(JSON.stringify({ type: 'connect', target: bId }));
      const { session } = await incoming;
      const answered = firstMessage(a, (m) => m.type === 'answered');
      b.send(JSON.stringify({ type: 'answer', session }));
      await answered;
      return session;
    },
    candidate: (session, _dst, payload) => JSON.stringify({ type: 'candidate', session, candidate: payload }),
    read: (m) => (m.type === 'candidate' ? m.candidate : undefined),
    frame(session, payload) {
      const f = Buffer.allocUnsafe(4 + payload.length);
      f.writeUInt32BE(session, 0);
      payload.copy(f, 4);
      return f;
    },
  },
  peerjs: {
    relay: false,
    async connect(base, id) {
      return open(`${base}/peerjs?key=peerjs&id=${id}&token=t${id}`, (m) => m.type === 'OPEN');
    },
    pair: async () => 0,
    candidate: (_session, dst, payload) => JSON.stringify({ type: 'CANDIDATE', dst, payload }),
    read: (m) => (m.type === 'CANDIDATE' ? m.payload : undefined),
  },
  trivial: {
    relay: true,
    connect: (base, id) => open(`${base}/?id=${id}`),
    pair: async () => 0,
    candidate: (_session, dst, payload) => JSON.stringify({ type: 'candidate', dst, candidate: payload }),
    read: (m) => m.candidate,
    frame: (_session, payload) => payload,
  },
};
