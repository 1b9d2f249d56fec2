// TURN under load (issue #19) at a scale CI can afford: coturn's turnutils_uclient with 30 clients
// at once, each sending 500 ChannelData messages 1 ms apart through `peerlink serve` to an echo
// peer. Nothing may be lost, and no client's Allocate may go unanswered. Before the fix this lost
// about a fifth of the messages here (the TURN port's 208 KiB receive buffer overflowed while the
// event loop relayed) and dropped 401s beyond the first 50 from 127.0.0.1 (docs/turn.md, "Under
// load"). The full-scale figures (50 and 100 clients) are in bench/turn.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { spawnServer, type SpawnedServer } from './helpers/spawn-server.js';
import { parse, startEchoPeer, uclientServerArgs } from './helpers/uclient.js';

const run = promisify(execFile);
const CLIENTS = 30;
const MESSAGES = 500;

/** The value of one Prometheus sample, 0 when the series does not exist. */
function sample(metrics: string, series: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('turnutils_uclient at load against peerlink TURN', () => {
  let server: SpawnedServer;
  let peer: Awaited<ReturnType<typeof startEchoPeer>>;

  before(async () => {
    server = await spawnServer(uclientServerArgs('127.0.0.1'));
    peer = await startEchoPeer();
  });
  after(async () => {
    peer?.child.kill();
    await server?.stop();
  });

  it(`${CLIENTS} clients x ${MESSAGES} ChannelData messages, 1 ms apart: nothing lost`, async () => {
    // -c: no RTCP allocation; -X: IPv4 relay; -g: DONT-FRAGMENT; -z 1: 1 ms between messages.
    const args = ['-m', String(CLIENTS), '-n', String(MESSAGES), '-l', '170', '-z', '1', '-c', '-X', '-g'];
    const { stdout } = await run(
      'turnutils_uclient',
      [
        ...args,
        ...['-u', 'alice', '-w', 'wonderland', '-e', '127.0.0.1', '-r', String(peer.port)],
        ...['-p', String(server.stun.port), '127.0.0.1'],
      ],
      { timeout: 50_000 },
    );
    const r = parse(stdout);
    assert.equal(r.sent, CLIENTS * MESSAGES, 'every message was sent');
    assert.equal(r.received, r.sent, `every message came back (lost ${r.lostPercent}%)`);
    assert.equal(r.lostPercent, 0);

    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    assert.equal(
      sample(metrics, 'peerlink_turn_dropped_total{reason="auth-rate-limited"}'),
      0,
      "no client's 401 was withheld",
    );
    // uclient allocates twice per client (a probe, then the real one), each after one 401.
    assert.equal(sample(metrics, 'peerlink_turn_responses_total{method="Allocate",code="200"}'), 2 * CLIENTS);
    assert.equal(
      sample(metrics, 'peerlink_turn_relayed_packets_total{direction="to-client"}'),
      CLIENTS * MESSAGES,
    );
  });
});
