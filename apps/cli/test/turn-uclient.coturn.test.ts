// coturn's TURN client against our TURN server: turnutils_uclient over UDP, TCP, TLS, with Send
// indications, client-to-client and DONT-FRAGMENT, authenticated with TURN REST credentials (-W) and
// with a static user; turnutils_peer echoes. Every run must end with 0% loss and every message back.
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { BIN, spawnServer, type SpawnedServer } from './helpers/spawn-server.js';
import { parse, startEchoPeer, uclientOutput, uclientServerArgs } from './helpers/uclient.js';

const run = promisify(execFile);
const MESSAGES = 20;
const CLIENTS = 2;
/** The static user every server here knows (--turn-user alice:wonderland). */
const ALICE = ['-u', 'alice', '-w', 'wonderland'];

describe('turnutils_uclient against peerlink TURN', () => {
  let server: SpawnedServer;
  let peer: { child: ChildProcess; port: number };
  let peer6: { child: ChildProcess; port: number };
  let secret: string;

  before(async () => {
    server = await spawnServer(uclientServerArgs('127.0.0.1,::1'));
    peer = await startEchoPeer();
    peer6 = await startEchoPeer('::1');
    secret = (
      JSON.parse(readFileSync(join(server.dataDir, 'secrets.json'), 'utf8')) as { turnSecret: string }
    ).turnSecret;
  });
  after(async () => {
    peer?.child.kill();
    peer6?.child.kill();
    await server?.stop();
  });

  const modes: [string, string[]][] = [
    ['UDP', []],
    ['TCP', ['-t']],
    ['TLS', ['-t', '-S']],
    ['Send indications', ['-s']],
    ['client-to-client', ['-y']],
    ['DONT-FRAGMENT', ['-g']],
    // -D pads ChannelData to four bytes even over UDP, as pjnath does; with -l 121 that is 3 bytes.
    ['padded ChannelData', ['-D']],
    // -T implies -t -y -c: each client Connects to the other's TCP relay, which sends it a
    // ConnectionAttempt; both bind data connections with ConnectionBind.
    ['RFC 6062 TCP relay', ['-T']],
    ['RFC 6062 TCP relay over TLS', ['-T', '-S']],
    // -x asks for an IPv6 relay (REQUESTED-ADDRESS-FAMILY); the peer is then on ::1.
    ['IPv6 relay', ['-x']],
    ['IPv6 relay, client-to-client', ['-x', '-y']],
    // -Z asks for a dual-stack allocation (ADDITIONAL-ADDRESS-FAMILY), used here towards IPv6.
    ['dual-stack allocation', ['-Z']],
  ];
  // Three uclients at a time: each run spends most of its ~5 s waiting, and three stay well inside
  // the server's per-IP 401 budget.
  describe('every mode, both kinds of credentials', { concurrency: 3 }, () => {
    for (const auth of ['REST credentials (-W)', 'static user'] as const) {
      for (const [name, flags] of modes) {
        it(`${name}, ${auth}: 0% loss, every message echoed`, async () => {
          const creds = auth === 'static user' ? ALICE : ['-W', secret, '-u', 'cam1'];
          const port = flags.includes('-S') ? server.tls?.port : server.stun.port;
          assert.ok(port, 'the server announced the port');
          const v6 = flags.includes('-x') || flags.includes('-Z');
          const args = [
            ...flags,
            ...creds,
            '-e',
            v6 ? '::1' : '127.0.0.1',
            '-r',
            String(v6 ? peer6.port : peer.port),
            '-n',
            String(MESSAGES),
            '-m',
            String(CLIENTS),
            '-l',
            flags.includes('-D') ? '121' : '120',
            '-p',
            String(port),
            '127.0.0.1',
          ];
          const { stdout } = await run('turnutils_uclient', args, { timeout: 60_000 });
          const r = parse(stdout);
          // -y pairs the clients with each other, so each message travels both ways between relays.
          const expected = MESSAGES * CLIENTS * (flags.includes('-y') ? 2 : 1);
          assert.equal(r.sent, expected, r.stdout.slice(-1500));
          // Say whether the echo peer is still running: a peer killed from outside fails every run.
          const peers = `echo peers running: ${peer.child.exitCode === null}, ${peer6.child.exitCode === null}`;
          assert.equal(r.received, expected, `${peers}\n${r.stdout.slice(-1500)}`);
          assert.equal(r.lostPercent, 0);
        });
      }
    }

    it('without permissions (-I) Send indications reach nobody', async () => {
      const args = ['-I', '-s', ...ALICE, '-e', '127.0.0.1', '-r', String(peer.port)];
      const out = await uclientOutput([...args, '-n', '5', '-p', String(server.stun.port), '127.0.0.1']);
      const r = parse(out);
      assert.ok(r.sent > 0);
      assert.equal(r.received, 0, 'the server dropped every datagram without a permission');
    });
  });

  it('credentials from `peerlink turn-credentials --data-dir` work as a plain user/password', async () => {
    const { stdout: json } = await run(process.execPath, [
      BIN,
      'turn-credentials',
      '--data-dir',
      server.dataDir,
      '--user',
      'cli',
      '--ttl',
      '600',
      '--json',
    ]);
    const c = JSON.parse(json) as { username: string; password: string };
    const args = ['-u', c.username, '-w', c.password, '-e', '127.0.0.1', '-r', String(peer.port), '-n', '10'];
    const { stdout } = await run(
      'turnutils_uclient',
      [...args, '-p', String(server.stun.port), '127.0.0.1'],
      {
        timeout: 60_000,
      },
    );
    const r = parse(stdout);
    assert.ok(r.sent >= 10, r.stdout.slice(-1500));
    assert.equal(r.received, r.sent);
    assert.equal(r.lostPercent, 0);
  });

  it('a wrong REST secret cannot allocate', async () => {
    const args = [
      '-W',
      'not-the-secret',
      '-u',
      'cam1',
      '-e',
      '127.0.0.1',
      '-r',
      String(peer.port),
      '-n',
      '2',
    ];
    const out = await uclientOutput([...args, '-p', String(server.stun.port), '127.0.0.1']);
    assert.match(out, /Cannot complete Allocation/);
    assert.doesNotMatch(out, /tot_recv_msgs=[1-9]/);
  });

  it('counts what it relayed in /metrics', async () => {
    const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
    const value = (re: RegExp): number => Number(re.exec(text)?.[1] ?? 'NaN');
    assert.ok(
      value(/peerlink_turn_relayed_packets_total\{direction="to-peer"\} (\d+)/) >= MESSAGES * CLIENTS * 12,
    );
    assert.ok(
      value(/peerlink_turn_relayed_packets_total\{direction="to-client"\} (\d+)/) >= MESSAGES * CLIENTS * 12,
    );
    assert.ok(value(/peerlink_turn_auth_failures_total\{reason="bad-integrity"\} (\d+)/) >= 1);
    assert.doesNotMatch(text, /peerlink_turn_dropped_total\{reason="malformed"\}/);
    assert.ok(value(/peerlink_turn_dropped_total\{reason="no-permission"\} (\d+)/) >= 5);
  });
});

describe('turnutils_uclient against a quota', () => {
  it('--user-quota 1 answers a second allocation of the same user with 486', async () => {
    const server = await spawnServer([
      '--allow-loopback-peers',
      '--turn-user',
      'alice:wonderland',
      '--user-quota',
      '1',
    ]);
    try {
      // -c: one allocation per client (no RTCP pair); -m 2: two clients of the same user.
      const args = ['-c', ...ALICE, '-e', '127.0.0.1', '-r', '9', '-n', '2', '-m', '2'];
      const out = await uclientOutput([...args, '-p', String(server.stun.port), '127.0.0.1']);
      assert.match(out, /error 486 \(Allocation Quota Reached\)/);
    } finally {
      await server.stop();
    }
  });
});
