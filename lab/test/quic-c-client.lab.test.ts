// The C QUIC signaling client (clients/c, ngtcp2) behind a real kernel NAT: a device in a
// port-restricted site's namespace reaches peerlink over QUIC through the NAT, joins as master with a
// KVS token, and trades offer, answer and candidates with a viewer over WSS on the lab's internet
// (docs/quic-signaling.md). The certificate is pinned by its fingerprint (it names no lab address).
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildCClient, runCExample } from '@peerlink/testing';
import { run, start } from '../src/exec.js';
import {
  buildTopology,
  PEERLINK_BIN,
  SERVER_IP,
  startServer,
  type LabServer,
  type Topology,
} from '../src/index.js';

const VIEWER = new URL('./helpers/kvs-wss-viewer.js', import.meta.url).pathname;

describe('the C QUIC client behind a NAT', () => {
  let topo: Topology;
  let server: LabServer;
  before(async () => {
    await buildCClient();
    topo = await buildTopology([{ preset: 'port-restricted' }]);
    server = await startServer(topo);
  });
  after(() => topo?.teardown());

  it('joins over QUIC through the NAT and trades offer, answer and candidate with a WSS viewer', async () => {
    const cli = (args: string[]): Promise<string> =>
      run(process.execPath, [PEERLINK_BIN, ...args, '--data-dir', server.dataDir]).then((r) =>
        r.stdout.trim(),
      );
    const key = JSON.parse(await cli(['access-keys', 'create', '--json'])) as Record<string, string>;
    const viewer = start(
      topo.core,
      process.execPath,
      [VIEWER, `https://${SERVER_IP}:8443`, 'gate', key['AccessKeyId']!, key['SecretAccessKey']!, 'phone'],
      'kvs-wss-viewer',
    );
    topo.own(viewer);
    await viewer.waitForLine(/"event":"channel"/, 20_000);
    const token = await cli(['token', '--channel', 'gate', '--role', 'master']);
    const pem = readFileSync(join(server.dataDir, 'tls', 'dev-cert.pem'), 'utf8');
    const pin = new X509Certificate(pem).fingerprint256.replaceAll(':', '').toLowerCase();
    const device = topo.sites[0]!.hosts[0]!;
    const m = await runCExample(
      'peerlink-quic-master',
      [
        '--host',
        SERVER_IP,
        '--port',
        '4433',
        '--channel',
        'gate',
        '--token',
        token,
        '--pin',
        pin,
        '--timeout',
        '30',
      ],
      { netns: device.ns },
    );
    try {
      const joined = await m.waitFor((e) => e.event === 'joined');
      assert.match(joined['uri'] ?? '', /^(stun|turns?):/, 'the JOINED frame carried ICE servers');
      viewer.child.stdin?.write('go\n');
      const exchanged = JSON.parse(await viewer.waitForLine(/"event":"exchanged"/, 20_000)) as Record<
        string,
        string
      >;
      assert.deepEqual(exchanged, { event: 'exchanged', answer: 'SDP_ANSWER', candidate: 'ICE_CANDIDATE' });
      assert.equal(await m.exited, 0, m.stderr());
      assert.ok(
        m.events.some((e) => e.event === 'message' && e.type === 'SDP_OFFER' && e.sender === 'phone-0'),
      );
    } finally {
      if (m.child.exitCode === null) m.child.kill('SIGTERM');
      await m.exited;
    }
  });
});
