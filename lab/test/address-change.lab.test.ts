// A local address change on real kernel NATs: while a transfer rides a direct path, the connecting
// host gains an address (a second network comes up). The node must notice, drop the direct path at
// once (back to the relay), gather again and punch a new direct path, and the transfer must finish
// with every byte verified.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mintToken } from '../src/connect-hooks.js';
import { inNs, start } from '../src/exec.js';
import {
  buildTopology,
  natLan,
  PEERLINK_BIN,
  startServer,
  type LabServer,
  type Topology,
} from '../src/index.js';

const BYTES = 120_000_000;

describe('local address change', () => {
  let topo: Topology;
  let server: LabServer;
  before(async () => {
    topo = await buildTopology([{ preset: 'port-restricted' }, { preset: 'public' }]);
    server = await startServer(topo);
  });
  after(() => topo?.teardown());

  it('falls back to the relay at once, punches again, and the transfer finishes intact', async () => {
    const [a, b] = [topo.sites[0]!.hosts[0]!, topo.sites[1]!.hosts[0]!];
    const tokens = [await mintToken('move-a', server.dataDir), await mintToken('move-b', server.dataDir)];
    const common = ['--server', server.httpUrl, '--json'];
    const listener = start(
      b.ns,
      process.execPath,
      [PEERLINK_BIN, 'listen', '--id', 'move-b', '--token', tokens[1]!, ...common],
      'peerlink listen',
    );
    topo.own(listener);
    await listener.waitForLine(/./, 15_000);
    const connect = start(
      a.ns,
      process.execPath,
      [
        PEERLINK_BIN,
        'connect',
        '--id',
        'move-a',
        '--token',
        tokens[0]!,
        '--to',
        'move-b',
        '--bytes',
        String(BYTES),
        '--timeout',
        '150',
        ...common,
      ],
      'peerlink connect',
    );
    topo.own(connect);
    await connect.waitForLine(/"event":"path","path":"direct"/, 20_000);
    // The bulk transfer starts once the path is direct: now a second address appears on the host.
    const added = natLan(topo.sites[0]!.index).at(3);
    await inNs(a.ns, 'ip', ['addr', 'add', `${added}/29`, 'dev', 'eth0']);
    const done = JSON.parse(await connect.waitForLine(/"event":"(done|error)"/, 120_000)) as Record<
      string,
      unknown
    >;
    const paths = connect.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e['event'] === 'path')
      .map((e) => String(e['path']));
    console.log(`paths after the connect call: ${paths.join(' -> ')}`);
    assert.equal(done['event'], 'done', connect.lines.join('\n'));
    assert.equal(done['bytes'], BYTES);
    assert.equal(typeof done['sha256'], 'string');
    assert.equal(done['decodeFailures'], 0, 'no datagram lost to a switch');
    const firstDirect = paths.indexOf('direct');
    const relayAfter = paths.indexOf('relay', firstDirect);
    assert.ok(relayAfter > firstDirect, `back to the relay after the change: ${paths.join(',')}`);
    assert.ok(paths.indexOf('direct', relayAfter) > relayAfter, `direct again: ${paths.join(',')}`);
  });
});
