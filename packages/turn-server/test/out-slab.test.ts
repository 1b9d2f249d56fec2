// OutSlab (node/out-slab.ts): outgoing datagrams share one slab, written over on wraparound only
// when no send from it is still queued. Checked on the slab alone, then with real loopback sockets,
// also with Node's --test-udp-no-try-send, under which sends wait in libuv's queue.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { OutSlab } from '../src/node/out-slab.js';

const burst = fileURLToPathOf('./helpers/slab-burst.js');

function fileURLToPathOf(rel: string): string {
  return new URL(rel, import.meta.url).pathname;
}

interface BurstResult {
  sent: number;
  received: number;
  distinct: number;
  corrupted: number;
  slabs: number;
  wraps: number;
}

async function runBurst(mode: 'told' | 'untold', noTrySend: boolean): Promise<BurstResult> {
  const args = [...(noTrySend ? ['--test-udp-no-try-send'] : []), burst, mode];
  const { stdout } = await promisify(execFile)(process.execPath, args, { timeout: 120_000 });
  return JSON.parse(stdout.trim()) as BurstResult;
}

describe('OutSlab', () => {
  it('hands out aligned, disjoint pieces and wraps around to the same memory when nothing is held', () => {
    const slab = new OutSlab(1024);
    const a = slab.alloc(100);
    const b = slab.alloc(60);
    assert.equal(a.buffer, b.buffer);
    assert.equal(b.byteOffset, 104, '8-byte aligned after a');
    a.fill(1);
    b.fill(2);
    assert.ok(a.every((x) => x === 1));
    for (let i = 0; i < 8; i++) slab.alloc(100); // 168 + 8 x 104 = 1000 bytes used
    const wrapped = slab.alloc(100);
    assert.equal(wrapped.buffer, a.buffer, 'same slab');
    assert.equal(wrapped.byteOffset, 0, 'from the front');
    assert.deepEqual(slab.stats, { slabs: 1, wraps: 1 });
  });

  it('never writes over a slab a queued send may still read: a held slab is replaced, not wrapped', () => {
    const slab = new OutSlab(1024);
    const queued = slab.alloc(100);
    queued.fill(7);
    slab.sent(true);
    for (let i = 0; i < 9; i++) slab.alloc(100).fill(9); // fills the slab, then needs a new one
    assert.deepEqual(slab.stats, { slabs: 2, wraps: 0 });
    assert.ok(
      queued.every((x) => x === 7),
      'the queued datagram is intact',
    );
    // The new slab had no queued send: it wraps as usual.
    for (let i = 0; i < 10; i++) slab.alloc(100);
    assert.deepEqual(slab.stats, { slabs: 2, wraps: 1 });
  });

  it('gives large requests memory of their own', () => {
    const slab = new OutSlab(1024);
    const big = slab.alloc(200);
    assert.notEqual(big.buffer, slab.alloc(8).buffer);
    assert.equal(big.length, 200);
  });

  it('on real sockets: sends complete at once, so the slab wraps and every datagram arrives intact', async () => {
    const r = await runBurst('told', false);
    assert.equal(r.received, r.sent);
    assert.equal(r.distinct, r.sent);
    assert.equal(r.corrupted, 0);
    assert.ok(r.wraps > 0, `the slab wrapped (${JSON.stringify(r)})`);
  });

  it('on real sockets with queued sends (--test-udp-no-try-send): new slabs, nothing corrupted', async () => {
    const r = await runBurst('told', true);
    assert.equal(r.corrupted, 0, JSON.stringify(r));
    assert.equal(r.distinct, r.sent);
    assert.ok(r.slabs > 1, `queued sends made new slabs (${JSON.stringify(r)})`);
  });

  it('the hazard is real: a slab not told of queued sends corrupts datagrams', async () => {
    const r = await runBurst('untold', true);
    assert.ok(r.corrupted > 0 || r.distinct < r.sent, `corruption seen (${JSON.stringify(r)})`);
  });
});
