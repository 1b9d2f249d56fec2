// bench/turn's control plane, with peerlink's own sans-IO TurnClient (packages/p2p): allocations
// from CLIENT_IP, each on its own UDP socket (its own 5-tuple), the 401 round trip included.
import { createSocket } from 'node:dgram';
import { CLIENT_IP, PASSWORD, SERVER_IP, USER } from './servers.mjs';

const { TurnClient, runTurnClient } = await import(
  new URL('../../packages/p2p/dist/src/index.js', import.meta.url).href
);

/** A DatagramSocket (packages/p2p/src/net/datagram-socket.ts) bound to `ip` (CLIENT_IP). */
async function clientSocket(ip = CLIENT_IP) {
  const sock = createSocket('udp4');
  await new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, ip, resolve);
  });
  let handler = () => {};
  sock.on('message', (msg, r) =>
    handler(new Uint8Array(msg.buffer, msg.byteOffset, msg.length), {
      family: 4,
      address: r.address,
      port: r.port,
    }),
  );
  return {
    sock,
    send: (bytes, to) => {
      try {
        sock.send(bytes, to.port, to.address);
      } catch {
        // closed: the bench is over for this allocation
      }
    },
    onMessage: (h) => (handler = h),
    local: () => ({ family: 4, address: ip, port: sock.address().port }),
    close: () => sock.close(),
  };
}

/** One allocation on a fresh socket from `ip`; with `peer`, a channel bound to it. */
async function allocateOne(serverPort, peer, ip) {
  const socket = await clientSocket(ip);
  const server = { family: 4, address: SERVER_IP, port: serverPort };
  let bound;
  const channel = new Promise((resolve) => (bound = resolve));
  const run = runTurnClient(new TurnClient({ server, username: USER, password: PASSWORD }), socket, {
    onEvent: (e) => {
      if (e.type === 'channel-bound') bound(e.channel);
    },
  });
  await run.allocated();
  if (peer === undefined) return { socket, port: socket.local().port };
  run.permit(peer);
  return { socket, port: socket.local().port, channel: await channel };
}

/**
 * `n` allocations with a channel to `peer`, for turnload's data plane: their client ports and the
 * channel number (the same for all: TurnClient starts at 0x4000). The sockets are closed, not the
 * allocations, so turnload can bind the same ports and carry on on the same 5-tuples.
 */
export async function allocateChannels(serverPort, peer, n) {
  const all = await Promise.all(Array.from({ length: n }, () => allocateOne(serverPort, peer)));
  for (const a of all) a.socket.close();
  const channels = new Set(all.map((a) => a.channel));
  if (channels.size !== 1) throw new Error(`allocations got different channels: ${[...channels]}`);
  return { ports: all.map((a) => a.port), channel: all[0].channel };
}

/**
 * Allocates up to `total` with `concurrency` in flight, calling `checkpoint(count, seconds)` at each
 * of `marks`. Returns a function that closes the client sockets. The clients come from 100 loopback
 * addresses (127.0.1.1-100), as real clients come from many: from one address, the server's budget
 * of 401s per source (400, then 100/s; coturn has none) would be what is measured.
 */
export async function allocateMany(serverPort, total, concurrency, marks, checkpoint) {
  const sockets = [];
  const start = process.hrtime.bigint();
  let next = 0;
  let done = 0;
  const pending = [...marks];
  const worker = async () => {
    while (next < total) {
      const ip = `127.0.1.${1 + (next++ % 100)}`;
      const a = await allocateOne(serverPort, undefined, ip);
      sockets.push(a.socket);
      done++;
      if (done === pending[0]) {
        pending.shift();
        await checkpoint(done, Number(process.hrtime.bigint() - start) / 1e9);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return () => sockets.forEach((s) => s.close());
}
