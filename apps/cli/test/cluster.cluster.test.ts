// Two `peerlink serve` nodes sharing a private Redis, behind a real HAProxy that balances WebSockets
// round-robin and tells the nodes each client's address with the PROXY protocol v2. Peers on different
// nodes connect, relay and go direct; a node killed with SIGKILL mid-transfer loses nothing: its peer
// reconnects through HAProxy to the other node and the session resumes. Then Redis stops: what a node
// holds goes on, what needs shared state is refused with STORE_UNAVAILABLE, and it all comes back.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { Redis } from 'ioredis';
import { PeerNode, type PeerConnection, type PeerNodeOptions } from '@peerlink/client';
import { mintPeerToken } from '@peerlink/signaling';
import { roundTrip, startHaproxy, startRedisServer, type Haproxy, type RedisServer } from '@peerlink/testing';
import { spawnServer, type SpawnedServer } from './helpers/spawn-server.js';

const SECRET = 'cluster-test-secret';
const PROXY_SOURCE = '127.0.0.5'; // HAProxy's side of its connections to the nodes: the trusted proxy
const prefix = `cluster-${randomUUID()}:`;
let redis: RedisServer;
const nodes = new Map<string, SpawnedServer>();
let lb: Haproxy;
const lbUrl = (): string => `http://127.0.0.1:${lb.port}`;
const token = (id: string): Promise<string> => mintPeerToken({ secret: SECRET, id, ttlSeconds: 600 });

async function startNode(id: string, extra: string[] = []): Promise<SpawnedServer> {
  const s = await spawnServer([
    ...extra,
    ...['--redis-url', redis.url, '--redis-prefix', prefix, '--node-id', id],
    ...['--trusted-proxy', `${PROXY_SOURCE}/32`, '--proxy-protocol'],
    ...['--auth-secret', SECRET, '--turn-secret', 'cluster-turn-secret'],
  ]);
  nodes.set(id, s);
  return s;
}

const portOf = (s: SpawnedServer): number => Number(new URL(s.httpUrl).port);

/** A fresh Redis, nodes `ids` on it, and HAProxy in front sending PROXY v2 from PROXY_SOURCE. */
async function startCluster(ids: string[], extra: string[] = []): Promise<void> {
  redis = await startRedisServer();
  nodes.clear();
  for (const id of ids) await startNode(id, extra);
  lb = await startHaproxy({
    backends: [...nodes.values()].map((s) => ({ host: '127.0.0.1', port: portOf(s) })),
    sendProxyV2: true,
    source: PROXY_SOURCE,
  });
}

async function stopCluster(): Promise<void> {
  await lb?.stop();
  for (const s of nodes.values()) if (s.child.exitCode === null) await s.stop('SIGKILL');
  await redis?.stop();
}

async function until<T>(
  what: string,
  f: () => T | undefined | Promise<T | undefined>,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A peer through the balancer, on a node other than `avoid` (reconnects until round-robin obliges). */
async function peerOn(
  id: string,
  avoid: string | undefined,
  extra: Partial<PeerNodeOptions> = {},
): Promise<PeerNode> {
  for (let i = 0; i < 6; i++) {
    const p = await PeerNode.start({
      server: lbUrl(),
      id,
      token: () => token(id),
      portMapping: false,
      ...extra,
    });
    if (p.welcome?.node !== avoid) return p;
    p.close();
  }
  throw new Error(`${id} kept landing on ${avoid}`);
}

const echo = (conn: PeerConnection): void => {
  conn.on('stream', (s) => s.pipe(s));
};

async function metric(s: SpawnedServer, name: string): Promise<number> {
  const text = await (await fetch(`${s.httpUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.slice(name.length + 1) ?? 0);
}

/** Registers a raw WebSocket client bound to `local` through the balancer; returns its welcome. */
async function welcomeFrom(local: string, id: string): Promise<{ observedAddress: string; node: string }> {
  const ws = new WebSocket(`ws://127.0.0.1:${lb.port}/p2p`, { localAddress: local });
  try {
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'register', id, token: await token(id) }));
    const msg = await new Promise<{ type: string; observedAddress: string; node: string }>((resolve) =>
      ws.once('message', (d: Buffer) => resolve(JSON.parse(d.toString()))),
    );
    assert.equal(msg.type, 'welcome');
    return msg;
  } finally {
    ws.close();
  }
}

describe('a cluster of two nodes behind HAProxy, sharing Redis', () => {
  before(() => startCluster(['node-a', 'node-b']));
  after(stopCluster);

  it('tells each client its own address through the balancer (PROXY protocol), and spreads them', async () => {
    const two = await welcomeFrom('127.0.0.2', 'addr-two');
    const three = await welcomeFrom('127.0.0.3', 'addr-three');
    assert.match(two.observedAddress, /^127\.0\.0\.2:\d+$/);
    assert.match(three.observedAddress, /^127\.0\.0\.3:\d+$/);
    if (two.node === three.node) {
      // Round-robin alternates while both backends are UP; say what HAProxy saw if they were not.
      const states = JSON.stringify([...(await lb.states())]);
      assert.fail(`round-robin put both on ${two.node}; backends ${states}; haproxy said: ${lb.log()}`);
    }
  });

  it('peers on different nodes connect, relay 10 MB intact and move to a direct path', async () => {
    const bob = await peerOn('bob', undefined);
    bob.on('connection', echo);
    const alice = await peerOn('alice', bob.welcome?.node);
    try {
      assert.notEqual(alice.welcome?.node, bob.welcome?.node);
      const conn = await alice.connect('bob', { peerKey: bob.identity.publicKey });
      const { sent, got } = await roundTrip(conn.createStream(), 10 * 1024 * 1024);
      assert.equal(got, sent);
      await until('a direct path', () => conn.path === 'direct' || undefined);
    } finally {
      alice.close();
      bob.close();
    }
  });

  it('a node killed mid-transfer: its peer resumes on the other node and not a byte is lost', async () => {
    const dave = await peerOn('dave', undefined, { direct: false });
    dave.on('connection', echo);
    const carol = await peerOn('carol', dave.welcome?.node, { direct: false });
    const victim = dave.welcome?.node as string;
    const survivor = [...nodes.entries()].find(([id]) => id !== victim)?.[1] as SpawnedServer;
    try {
      const conn = await carol.connect('dave', { peerKey: dave.identity.publicKey });
      let relayedAtKill = 0;
      let crossedAtKill = 0;
      let killed: Promise<unknown> | undefined;
      const { sent, got } = await roundTrip(conn.createStream(), 10 * 1024 * 1024, (n) => {
        if (n < 2 * 1024 * 1024 || killed) return;
        killed = (async () => {
          relayedAtKill = await metric(survivor, 'peerlink_relay_bytes_total');
          crossedAtKill = await metric(
            survivor,
            'peerlink_cluster_envelopes_total{direction="out",kind="relay"}',
          );
          await nodes.get(victim)?.stop('SIGKILL');
        })();
      });
      await killed;
      assert.equal(got, sent, 'the transfer completed with the same hash');
      assert.ok(
        crossedAtKill > 100,
        `relay frames crossed between the nodes before the kill (${crossedAtKill})`,
      );
      assert.notEqual(dave.welcome?.node, victim, 'dave reconnected to the other node');
      assert.ok(
        (await metric(survivor, 'peerlink_relay_bytes_total')) > relayedAtKill,
        'the survivor relayed after the kill',
      );
      // The dead node's presence records expire with its heartbeat (15 s).
      const r = new Redis(redis.url);
      try {
        await until(
          'no presence naming the dead node',
          async () => {
            const keys = await r.keys(`${prefix}presence:*`);
            const values = keys.length > 0 ? await r.mget(...keys) : [];
            return values.every((v) => v === null || JSON.parse(v).node !== victim) || undefined;
          },
          20_000,
        );
      } finally {
        r.disconnect();
      }
    } finally {
      carol.close();
      dave.close();
    }
  });
});

describe('a cluster without its Redis for a while', () => {
  let one: SpawnedServer;
  let two: SpawnedServer;
  before(async () => {
    redis = await startRedisServer();
    one = await startNode('node-c');
    two = await startNode('node-d');
  });
  after(async () => {
    for (const s of [one, two]) if (s?.child.exitCode === null) await s.stop('SIGKILL');
    await redis?.stop();
  });

  const health = async (s: SpawnedServer): Promise<string> =>
    ((await (await fetch(`${s.httpUrl}/status`)).json()) as { cluster: { storeHealth: string } }).cluster
      .storeHealth;
  const direct = (s: SpawnedServer, id: string): Promise<PeerNode> =>
    PeerNode.start({ server: s.httpUrl, id, token: () => token(id), portMapping: false, direct: false });

  it('keeps local sessions, refuses cross-node connects with STORE_UNAVAILABLE, and recovers', async () => {
    const frank = await direct(one, 'frank');
    frank.on('connection', echo);
    const eve = await direct(one, 'eve');
    const gina = await direct(two, 'gina');
    gina.on('connection', echo);
    try {
      const conn = await eve.connect('frank', { peerKey: frank.identity.publicKey });
      await redis.stop();
      await until('node c sees the outage', async () => (await health(one)) === 'down' || undefined);
      const { sent, got } = await roundTrip(conn.createStream(), 1024 * 1024);
      assert.equal(got, sent, 'a session between peers on one node goes on');
      await assert.rejects(eve.connect('gina', { timeoutMs: 5000 }), /STORE_UNAVAILABLE/);
      assert.match(
        await (await fetch(`${one.httpUrl}/metrics`)).text(),
        /^peerlink_store_up\{store="redis"\} 0$/m,
      );
      await redis.restart(); // without its data: the nodes write their peers' presence again
      await until('node c sees Redis again', async () => (await health(one)) === 'up' || undefined);
      const again = await until('a cross-node connect', () =>
        eve.connect('gina', { peerKey: gina.identity.publicKey, timeoutMs: 5000 }).catch(() => undefined),
      );
      const rt = await roundTrip(again.createStream(), 1024 * 1024);
      assert.equal(rt.got, rt.sent);
    } finally {
      eve.close();
      frank.close();
      gina.close();
    }
  });
});

describe('a rolling upgrade: a node drained with SIGTERM', () => {
  before(() => startCluster(['node-e', 'node-f'], ['--drain-seconds', '2']));
  after(stopCluster);

  it('moves its peers to the other node with GO_AWAY, mid-transfer, without losing a byte', async () => {
    const hal = await peerOn('hal', undefined, { direct: false });
    hal.on('connection', echo);
    const ida = await peerOn('ida', hal.welcome?.node, { direct: false });
    const drained = hal.welcome?.node as string;
    try {
      const conn = await ida.connect('hal', { peerKey: hal.identity.publicKey });
      let stopped: Promise<number | null> | undefined;
      const { sent, got } = await roundTrip(conn.createStream(), 8 * 1024 * 1024, (n) => {
        if (n >= 2 * 1024 * 1024) stopped ??= (nodes.get(drained) as SpawnedServer).stop('SIGTERM');
      });
      assert.equal(got, sent);
      assert.equal(await stopped, 0, 'the drained node exited cleanly');
      assert.notEqual(hal.welcome?.node, drained, 'hal moved to the other node');
    } finally {
      hal.close();
      ida.close();
    }
  });
});
