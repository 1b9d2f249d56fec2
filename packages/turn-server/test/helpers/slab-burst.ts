// Sends bursts of datagrams from OutSlab memory over loopback and checks what arrives: run by
// out-slab.test.ts, also under `node --test-udp-no-try-send`, where every send but the first of a
// burst waits in libuv's queue (pointing at slab memory) until the next turn of the event loop.
// argv[2]: 'told' reports each send's queue to the slab (as the TURN adapter does); 'untold' does
// not, to show the hazard the reports prevent. Prints one JSON line.
import { OutSlab } from '../../src/node/out-slab.js';
import { createUdpSocket } from '../../src/node/udp-socket.js';

const told = process.argv[2] === 'told';
const SIZE = 100;
const BURST = 100;
const ROUNDS = 10;
const slab = new OutSlab(4096);
// The TURN server's sockets: their address "lookup" is synchronous, so a send reaches libuv at once
// (dgram's default dns.lookup would hold every send in JavaScript until the next tick).
const rx = createUdpSocket(4, 1 << 20);
const tx = createUdpSocket(4, 1 << 20);
await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
await new Promise<void>((r) => tx.bind(0, '127.0.0.1', () => r()));
const port = rx.address().port;

let received = 0;
let corrupted = 0;
const seen = new Set<number>();
let wake: (() => void) | undefined;
rx.on('message', (msg) => {
  received++;
  // Datagram i is i's sequence number (two bytes) repeated; memory written over before it went
  // out arrives as a later datagram's (a sequence number seen twice) or as a mix of two.
  const a = msg[0] ?? 0;
  const b = msg[1] ?? 0;
  let whole = msg.length === SIZE && !seen.has((a << 8) | b);
  for (let j = 0; whole && j < msg.length; j += 2) whole = msg[j] === a && msg[j + 1] === b;
  if (whole) seen.add((a << 8) | b);
  else corrupted++;
  wake?.();
});

let seq = 0;
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < BURST; i++, seq++) {
    const out = slab.alloc(SIZE);
    for (let j = 0; j < SIZE; j += 2) {
      out[j] = seq >> 8;
      out[j + 1] = seq & 0xff;
    }
    tx.send(out, port, '127.0.0.1');
    if (told) slab.sent(tx.getSendQueueCount() > 0);
  }
  // Flow control, so the receiver's buffer never overflows: wait for the whole burst.
  while (received < seq) await new Promise<void>((r) => (wake = r));
}
tx.close();
rx.close();
process.stdout.write(
  `${JSON.stringify({ sent: seq, received, distinct: seen.size, corrupted, ...slab.stats })}\n`,
);
