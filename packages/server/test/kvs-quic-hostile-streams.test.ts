// Hostile streams on the QUIC carrier (docs/quic-signaling.md, "Limits"): a stream opened and never
// written, beside a joined one and on a connection of its own; streams opened while the server
// drains, written and not. Each is a clear answer (JOIN_ERROR 503, a close with the reason) or a
// counted drop; the QUIC worker never fails (peerlink_quic_worker_failures_total stays 0).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { mintKvsToken } from '@peerlink/signaling';
import type { RunningServer } from '../src/index.js';
import { quicConnect, quicJoin, quicStream, type QuicTestClient } from './helpers/quic-client.js';
import { putKvsChannel } from './helpers/kvs-channel.js';
import { SECRET, start } from './helpers/start-server.js';

let server: RunningServer | undefined;
const counter = async (name: string, label?: string): Promise<number> => {
  await server?.quic?.flushCounts();
  const m = await server?.metrics.registry.getSingleMetric(name)?.get();
  return m?.values.find((v) => label === undefined || v.labels['reason'] === label)?.value ?? 0;
};
async function setup(): Promise<{ s: RunningServer; port: number; cert: string }> {
  const s = await start({ quicOptions: { joinTimeoutMs: 1500, closeGraceMs: 300 } });
  server = s;
  await putKvsChannel(s, 'shed');
  return {
    s,
    port: s.quic?.port as number,
    cert: readFileSync(join(s.dataDir.path, 'tls', 'dev-cert.pem'), 'utf8'),
  };
}
const masterToken = (): Promise<string> =>
  mintKvsToken({ secret: SECRET, channel: 'shed', role: 'master', clientId: '', ttlSeconds: 600 });
const joinMaster = async (port: number, cert: string): Promise<QuicTestClient> => {
  const token = await masterToken();
  const { c, answer } = await quicJoin(port, cert, { channel_name: 'shed', role: 'master', token });
  assert.equal(answer['messageType'], 'JOINED');
  return c;
};

describe('hostile streams on the QUIC carrier', () => {
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('a stream opened and never written: no JOIN in time closes it; beside a joined one it changes nothing', async () => {
    const { port, cert } = await setup();
    const idle = await quicStream(await quicConnect(port, cert)); // opened, never written
    assert.deepEqual(await idle.closed, { code: 1008, reason: 'no JOIN in time', app: true });
    assert.ok((await counter('peerlink_quic_drops_total', 'join-timeout')) >= 1);

    const c = await joinMaster(port, cert);
    const unused = await quicStream(c.client); // a second stream, never written
    await c.send({ action: 'GET_ICE_CONFIG', CorrelationId: 'c-1' });
    assert.equal((await c.next())['messageType'], 'ICE_CONFIG');
    await unused.send({ action: 'GET_ICE_CONFIG' }); // now written: the extra stream is reset
    await unused.ended;
    assert.ok((await counter('peerlink_quic_drops_total', 'extra-stream')) >= 1);
    await c.send({ action: 'GET_ICE_CONFIG', CorrelationId: 'c-2' });
    assert.equal((await c.next())['messageType'], 'ICE_CONFIG', 'the first stream still serves');
    await c.close();
    await idle.close();
    assert.equal(await counter('peerlink_quic_worker_failures_total'), 0);
  });

  it('streams opened during drain: a JOIN gets 503, an extra stream is a counted drop, no crash', async () => {
    const { s, port, cert } = await setup();
    const c = await joinMaster(port, cert);
    const draining = s.drain(1500);
    assert.equal((await c.next())['messageType'], 'GO_AWAY');
    // On the draining connection: a second stream with a frame, and one never written.
    const extra = await quicStream(c.client);
    await extra.send({ action: 'GET_ICE_CONFIG' });
    const silent = await quicStream(c.client);
    // A new connection during the drain: its JOIN is refused with the reason.
    const late = await quicStream(await quicConnect(port, cert));
    const token = await masterToken();
    await late.send({ action: 'JOIN', protocol: 'kvs', channel_name: 'shed', role: 'master', token });
    const refused = await late.next();
    assert.equal(refused['messageType'], 'JOIN_ERROR');
    assert.equal(refused['statusCode'], 503);
    await extra.ended;
    assert.ok((await counter('peerlink_quic_drops_total', 'extra-stream')) >= 1);
    assert.equal(await counter('peerlink_quic_worker_failures_total'), 0, 'the QUIC worker never failed');
    await draining;
    assert.equal((await c.closed).code, 1001, 'closed at the end of the grace as going away');
    await Promise.all([c.close(), silent.close(), late.close()]);
  });
});
