// The TURN relay counts relayed packets and bytes in plain numbers that /metrics reads at scrape
// time (no event per packet, docs/turn.md "Under load"). Real server, real TURN clients (peerlink's
// own TurnClient) relaying ChannelData through a UDP echo peer; each scrape must show exactly what
// went through, in both directions, and a later scrape only what was added.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TurnClient, nodeUdpSocketFactory, runTurnClient, type RunningTurnClient } from '@peerlink/p2p';
import { loadServeConfig, startServer, type RunningServer } from '@peerlink/server';
import type { TransportAddress } from '@peerlink/wire';

const CLIENTS = 3;
/** `peerlink serve` on ephemeral loopback ports, one static TURN user, loopback peers allowed. */
const SERVE_FLAGS = {
  host: '127.0.0.1',
  'log-level': 'silent',
  'turn-user': 'alice:wonderland',
  'allow-loopback-peers': true,
  ...Object.fromEntries(['http-port', 'https-port', 'stun-port', 'tls-port'].map((p) => [p, '0'])),
};
const BATCH = 25;

interface Relayed {
  packets: number;
  bytes: number;
}

async function scrape(server: RunningServer): Promise<Record<'to-peer' | 'to-client', Relayed>> {
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
  const value = (name: string, direction: string): number => {
    const m = new RegExp(
      `^peerlink_turn_relayed_${name}_total\\{direction="${direction}"\\} (\\d+)$`,
      'm',
    ).exec(text);
    return m === null ? 0 : Number(m[1]);
  };
  const of = (d: string): Relayed => ({ packets: value('packets', d), bytes: value('bytes', d) });
  return { 'to-peer': of('to-peer'), 'to-client': of('to-client') };
}

/** A client with a channel to `peer`: `exchange(sizes)` sends one message per size, awaits echoes. */
async function channelClient(server: RunningServer, peer: TransportAddress) {
  const socket = await nodeUdpSocketFactory(4);
  let bound: () => void = () => {};
  const channelBound = new Promise<void>((r) => (bound = r));
  let echoed = 0;
  let wake: () => void = () => {};
  const run: RunningTurnClient = runTurnClient(
    new TurnClient({
      server: { family: 4, address: '127.0.0.1', port: server.stun.primary.port },
      username: 'alice',
      password: 'wonderland',
    }),
    socket,
    {
      onEvent: (e) => {
        if (e.type === 'channel-bound') bound();
        if (e.type === 'data') {
          assert.equal(e.via, 'channel');
          echoed++;
          wake();
        }
      },
    },
  );
  await run.allocated();
  run.permit(peer);
  await channelBound;
  return {
    async exchange(sizes: number[]): Promise<void> {
      for (let i = 0; i < sizes.length; i += BATCH) {
        const batch = sizes.slice(i, i + BATCH);
        const want = echoed + batch.length;
        for (const n of batch) run.sendTo(peer, new Uint8Array(n).fill(n & 0xff));
        while (echoed < want) await new Promise<void>((r) => (wake = r));
      }
    },
    async close(): Promise<void> {
      await run.close();
      socket.close();
    },
  };
}

describe('TURN relayed counters in /metrics', { timeout: 120_000 }, () => {
  let server: RunningServer;
  let echo: Socket;
  let peer: TransportAddress;

  before(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'peerlink-turn-metrics-'));
    const config = loadServeConfig({ flags: { ...SERVE_FLAGS, 'data-dir': dataDir }, env: {} });
    server = await startServer(config);
    echo = createSocket('udp4');
    echo.on('message', (m, r) => echo.send(m, r.port, r.address));
    await new Promise<void>((r) => echo.bind(0, '127.0.0.1', () => r()));
    peer = { family: 4, address: '127.0.0.1', port: echo.address().port };
  });
  after(async () => {
    echo.close();
    await server.close();
  });

  it('counts every packet and byte each way, once, and only what was added since', async () => {
    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => channelClient(server, peer)));
    const base = await scrape(server); // the channels are bound: nothing relayed yet
    assert.deepEqual(base, { 'to-peer': { packets: 0, bytes: 0 }, 'to-client': { packets: 0, bytes: 0 } });

    const sizes = Array.from({ length: 150 }, (_, i) => 1 + ((i * 37) % 700));
    const bytes = sizes.reduce((a, b) => a + b, 0);
    await Promise.all(clients.map((c) => c.exchange(sizes)));
    const first = await scrape(server);
    const want = { packets: CLIENTS * sizes.length, bytes: CLIENTS * bytes };
    assert.deepEqual(first, { 'to-peer': want, 'to-client': want });
    // The server's own counts agree, and a scrape with nothing new adds nothing.
    assert.deepEqual(server.turn.relayed(), { 'to-peer': want, 'to-client': want });
    assert.deepEqual(await scrape(server), first);

    await clients[0]!.exchange([1000, 3]);
    const second = await scrape(server);
    const more = { packets: want.packets + 2, bytes: want.bytes + 1003 };
    assert.deepEqual(second, { 'to-peer': more, 'to-client': more });
    await Promise.all(clients.map((c) => c.close()));
  });
});
