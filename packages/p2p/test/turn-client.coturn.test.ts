// Interop: our TURN client against coturn's turnserver on loopback, with a static long-term user and
// loopback peers allowed. Allocate (through coturn's 401), permit a loopback UDP peer, relay both ways
// with Send/Data indications and with ChannelData, refresh, close. Skips when turnserver is missing.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TransportAddress } from '@peerlink/wire';
import { StunTransactions, nodeUdpSocketFactory } from '../src/index.js';
import { recordedTurn } from './helpers/turn-runner.js';
import { udpPeer } from './helpers/udp-peer.js';

const USER = { username: 'u', password: 'p' };
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

function hasTurnserver(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v turnserver'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const { port } = s.address();
  s.close();
  return port;
}

/** Waits until the server answers a STUN Binding request, or fails after `deadlineMs`. */
async function answersStun(server: TransportAddress, deadlineMs: number): Promise<void> {
  const socket = await nodeUdpSocketFactory(4);
  const stun = new StunTransactions(socket);
  const end = Date.now() + deadlineMs;
  try {
    while (Date.now() < end) {
      if (await stun.request(server, [], { rtoMs: 100, tries: 3, lastWaitMs: 200 })) return;
    }
    throw new Error(`turnserver did not answer STUN on ${server.port} within ${deadlineMs} ms`);
  } finally {
    socket.close();
  }
}

describe(
  'TurnClient against coturn turnserver',
  { skip: !hasTurnserver() && 'turnserver not installed' },
  () => {
    let child: ChildProcess;
    let dir: string;
    let server: TransportAddress;
    const log: string[] = [];

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'peerlink-coturn-'));
      server = { family: 4, address: '127.0.0.1', port: await freeUdpPort() };
      // -n: no configuration file. The user database and pid file go to a temporary folder.
      const args = [
        '-n',
        '--no-cli',
        '--listening-ip',
        '127.0.0.1',
        '--relay-ip',
        '127.0.0.1',
        '--listening-port',
        String(server.port),
        '--lt-cred-mech',
        '--user',
        `${USER.username}:${USER.password}`,
        '--realm',
        'r',
        '--allow-loopback-peers',
        '--no-tls',
        '--no-dtls',
        '--no-tcp-relay',
        '--db',
        join(dir, 'turndb'),
        '--pidfile',
        join(dir, 'turnserver.pid'),
        '--log-file',
        'stdout',
      ];
      child = spawn('turnserver', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.on('data', (b: Buffer) => log.push(b.toString()));
      child.stderr?.on('data', (b: Buffer) => log.push(b.toString()));
      await answersStun(server, 10_000);
    });

    after(async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    });

    for (const channels of [false, true]) {
      const how = channels ? 'ChannelData' : 'Send and Data indications';
      it(`allocates and relays both ways with ${how}`, async () => {
        // A clock the test can move forward, to bring the refreshes due at 4, 5 and 9 minutes now.
        let skew = 0;
        const t = await recordedTurn(server, { ...USER, channels }, () => Date.now() + skew);
        const peer = await udpPeer();
        try {
          const { relayed, mapped } = await t.turn.allocated().catch((err: Error) => {
            throw new Error(`${err.message}\n${log.join('').slice(-2000)}`);
          });
          assert.equal(relayed.address, '127.0.0.1');
          assert.equal(mapped?.port, t.socket.local().port);
          t.turn.permit(peer.address);
          await t.waitFor('permitted');
          if (channels) await t.waitFor('channel-bound');

          for (let i = 0; i < 5; i++) t.turn.sendTo(peer.address, text(`up ${i}`));
          const up = new Set<string>();
          for (let i = 0; i < 5; i++) {
            const got = await peer.next();
            assert.deepEqual(got.from, relayed);
            up.add(got.text);
          }
          assert.equal(up.size, 5);

          peer.socket.send('down', relayed.port, relayed.address);
          const data = await t.waitFor('data');
          assert.deepEqual(
            [str(data.bytes), data.peer, data.via],
            ['down', peer.address, channels ? 'channel' : 'indication'],
          );

          // Nine minutes on: the allocation Refresh, the CreatePermission and (with channels) the
          // ChannelBind are due; any call makes the runner re-arm its timer against the new clock.
          skew = 540_000;
          t.turn.sendTo(peer.address, text('after the jump'));
          assert.equal((await peer.next()).text, 'after the jump');
          assert.equal((await t.waitFor('refreshed')).lifetimeSec, 600);
          peer.socket.send('still down', relayed.port, relayed.address);
          assert.equal(str((await t.waitFor('data')).bytes), 'still down');

          await t.turn.close();
          assert.equal(t.events.at(-1)?.type, 'closed');
          assert.deepEqual(
            t.events.filter((e) => e.type === 'failed' || e.type === 'permit-failed'),
            [],
          );
        } finally {
          t.socket.close();
          peer.close();
        }
      });
    }

    it('refuses a wrong password with TURN_CLIENT_AUTH_FAILED', async () => {
      const t = await recordedTurn(server, { username: 'u', password: 'wrong' });
      try {
        await assert.rejects(t.turn.allocated(), { code: 'TURN_CLIENT_AUTH_FAILED', status: 401 });
      } finally {
        t.socket.close();
      }
    });
  },
);
