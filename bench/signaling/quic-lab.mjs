#!/usr/bin/env node
// bench/signaling/quic-lab.mjs: KVS signaling over QUIC against KVS over WSS (the named peer) through
// the NAT lab's lossy link: one site behind a port-restricted NAT whose access link delays 25 ms each
// way (50 ms RTT; the lab's userspace tap link) and drops 5 % each way (nftables). The server is
// `peerlink serve` on the lab's internet with KVS rates lifted; quic-lab-client.mjs runs in the site's
// host and measures connect-to-joined p50/p95 and messages/s master -> viewer on each carrier. Needs
// root (network namespaces) and a build (`npx tsc -b`). Prints JSON.
//
//   node bench/signaling/quic-lab.mjs [--joins 10] [--messages 400] [--window 50] [--out FILE]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';

const root = new URL('../../', import.meta.url).pathname;
const lab = await import(join(root, 'lab/dist/src/index.js'));
const { run, start } = await import(join(root, 'lab/dist/src/exec.js'));
const { values } = parseArgs({
  options: {
    joins: { type: 'string', default: '10' },
    messages: { type: 'string', default: '400' },
    window: { type: 'string', default: '50' },
    out: { type: 'string' },
  },
});
const LINK = { delayMs: 25, jitterMs: 0, lossOutPct: 5, lossInPct: 5 };
const lifted = '1000000';
const topo = await lab.buildTopology([{ preset: 'port-restricted', link: LINK }]);
let result;
try {
  const server = await lab.startServer(topo, {
    extraArgs: [
      ...['--kvs-message-rate', lifted, '--kvs-candidate-rate', lifted],
      ...['--kvs-offer-rate', lifted, '--kvs-answer-rate', lifted],
    ],
  });
  const cli = (args) =>
    run(process.execPath, [lab.PEERLINK_BIN, ...args, '--data-dir', server.dataDir]).then((r) =>
      r.stdout.trim(),
    );
  const key = JSON.parse(await cli(['access-keys', 'create', '--json']));
  const httpsUrl = `https://${lab.SERVER_IP}:8443`;
  const viewerHelper = start(
    topo.core,
    process.execPath,
    [
      join(root, 'lab/dist/test/helpers/kvs-wss-viewer.js'),
      httpsUrl,
      'bench',
      key.AccessKeyId,
      key.SecretAccessKey,
    ],
    'kvs-wss-viewer',
  );
  topo.own(viewerHelper);
  const arn = JSON.parse(await viewerHelper.waitForLine(/"event":"channel"/, 30_000)).arn;
  const joins = Number(values.joins);
  const ids = ['tp', ...Array.from({ length: joins }, (_, i) => `q${i}`)];
  const viewerTokens = Object.fromEntries(
    await Promise.all(
      ids.map(async (id) => [
        id,
        await cli(['token', '--channel', 'bench', '--role', 'viewer', '--client-id', id]),
      ]),
    ),
  );
  const config = {
    host: lab.SERVER_IP,
    quicPort: 4433,
    httpsUrl,
    certPath: join(server.dataDir, 'tls', 'dev-cert.pem'),
    arn,
    channel: 'bench',
    key: key.AccessKeyId,
    secret: key.SecretAccessKey,
    region: 'us-west-2',
    masterToken: await cli(['token', '--channel', 'bench', '--role', 'master']),
    viewerTokens,
    joins,
    messages: Number(values.messages),
    window: Number(values.window),
  };
  const client = start(
    topo.sites[0].hosts[0].ns,
    process.execPath,
    [join(root, 'bench/signaling/quic-lab-client.mjs'), JSON.stringify(config)],
    'quic-lab-client',
  );
  topo.own(client);
  const measured = JSON.parse(await client.waitForLine(/^\{/, 600_000));
  const { quic, wss } = measured.messages_per_second;
  result = {
    bench: 'signaling-quic-lab',
    when: new Date().toISOString(),
    loadavg: loadavg().map((x) => +x.toFixed(2)),
    link: { rttMs: 2 * LINK.delayMs, lossEachWayPct: LINK.lossOutPct },
    note: 'through the NAT lab: the client host behind a port-restricted NAT on a lossy link; compare QUIC with WSS from the same run only',
    ...measured,
    ratio_p50_join_quic_over_wss: +(
      measured.connect_to_joined_ms.quic.p50 / measured.connect_to_joined_ms.wss.p50
    ).toFixed(2),
    ratio_messages_quic_over_wss: +(quic / wss).toFixed(2),
  };
} finally {
  await topo.teardown();
}
const text = JSON.stringify(result, null, 2);
console.log(text);
if (values.out) writeFileSync(values.out, `${text}\n`);
