// QUIC connection migration on the signaling carrier (docs/quic-signaling.md, "Address changes"):
// the C client (ngtcp2) reaches the server through a UDP rebinder that moves it to a new source
// port between exchanges, as a NAT does when it renews a binding. The server follows it: the same
// connection (one join, one handshake) carries a second and a third exchange with a WSS viewer.
// The server takes up to 8 connection ids from a client (active_connection_id_limit), so ngtcp2
// hands over spares, one of which each new path uses.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mintKvsToken } from '@peerlink/signaling';
import { kvsExchange, openKvsWssViewer, startUdpRebinder } from '@peerlink/testing';
import type { RunningServer } from '../src/index.js';
import { buildCClient, runCExample } from './helpers/c-client.js';
import { KVS_REGION, putKvsChannel } from './helpers/kvs-channel.js';
import { SECRET, start } from './helpers/start-server.js';

let server: RunningServer;
let arn: string;
let key: { AccessKeyId: string; SecretAccessKey: string };

describe('the C QUIC client across address changes', () => {
  before(async () => {
    await buildCClient();
    server = await start({ quicOptions: { closeGraceMs: 200 } });
    key = await server.accessKeys.create(Date.now());
    arn = await putKvsChannel(server, 'porch');
  });
  after(() => server.close());

  it('moved to a new source port twice, it keeps its one connection and signaling carries on', async () => {
    const rebinder = await startUdpRebinder({
      targetHost: '127.0.0.1',
      targetPort: server.quic?.port as number,
    });
    const token = await mintKvsToken({
      secret: SECRET,
      channel: 'porch',
      role: 'master',
      clientId: '',
      ttlSeconds: 600,
    });
    const m = await runCExample('peerlink-quic-master', [
      ...['--host', '127.0.0.1', '--port', String(rebinder.port), '--channel', 'porch'],
      ...['--token', token, '--ca-file', join(server.dataDir.path, 'tls', 'dev-cert.pem')],
      ...['--exchanges', '3', '--timeout', '60'],
    ]);
    try {
      await m.waitFor((e) => e.event === 'joined');
      const ports = new Set([rebinder.upstreamPort]);
      for (let round = 0; round < 3; round++) {
        if (round > 0) ports.add(await rebinder.rebind());
        const viewer = await openKvsWssViewer({
          httpsUrl: server.httpsUrl,
          accessKeyId: key.AccessKeyId,
          secret: key.SecretAccessKey,
          region: KVS_REGION,
          channelArn: arn,
          clientId: `phone-${round}`,
        });
        try {
          const [answer, candidate] = await kvsExchange(viewer);
          assert.equal(answer?.['messageType'], 'SDP_ANSWER', `round ${round}`);
          assert.equal(candidate?.['messageType'], 'ICE_CANDIDATE');
        } finally {
          viewer.close();
        }
      }
      assert.equal(await m.exited, 0, m.stderr());
      assert.equal(ports.size, 3, 'the server saw the client from three source ports');
      assert.equal(m.events.filter((e) => e.event === 'joined').length, 1, 'joined once');
      assert.equal(m.events.filter((e) => e.event === 'state' && e.state === 'CONNECTING').length, 1);
      await server.quic?.flushCounts();
      const handshakes = await server.metrics.registry
        .getSingleMetric('peerlink_quic_handshakes_total')
        ?.get();
      assert.equal(handshakes?.values[0]?.value, 1, 'no second handshake');
    } finally {
      if (m.child.exitCode === null) m.child.kill('SIGTERM');
      await m.exited;
      await rebinder.close();
    }
  });
});
