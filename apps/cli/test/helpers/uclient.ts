// coturn's turnutils_uclient and turnutils_peer as test peers: start the echo peer, run the client,
// read its totals.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * `peerlink serve` flags for uclient runs: loopback peers allowed (turnutils_peer is on loopback),
 * the static user alice:wonderland, relays on `relayIps` in ports 40000-48000.
 */
export function uclientServerArgs(relayIps: string): string[] {
  const range = ['--min-port', '40000', '--max-port', '48000'];
  return ['--allow-loopback-peers', '--turn-user', 'alice:wonderland', ...range, '--relay-ip', relayIps];
}

/** Starts turnutils_peer on a free UDP port of `host` and waits until it echoes. */
export async function startEchoPeer(host = '127.0.0.1'): Promise<{ child: ChildProcess; port: number }> {
  const type = host.includes(':') ? 'udp6' : 'udp4';
  const probe = createSocket(type);
  await new Promise<void>((r) => probe.bind(0, host, () => r()));
  const port = probe.address().port;
  probe.close();
  const child = spawn('turnutils_peer', ['-L', host, '-p', String(port)], { stdio: 'ignore' });
  const sock = createSocket(type);
  await new Promise<void>((r) => sock.bind(0, host, () => r()));
  try {
    for (let i = 0; i < 100; i++) {
      const echoed = new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), 100);
        sock.once('message', () => {
          clearTimeout(t);
          resolve(true);
        });
      });
      sock.send('ping', port, host);
      if (await echoed) return { child, port };
    }
    throw new Error('turnutils_peer did not start echoing');
  } finally {
    sock.close();
  }
}

/** Runs turnutils_uclient for a case expected to fail: its stdout, whatever the exit code. */
export function uclientOutput(args: string[]): Promise<string> {
  return run('turnutils_uclient', args, { timeout: 60_000 }).then(
    (r) => r.stdout,
    (err: { stdout?: string }) => err.stdout ?? '',
  );
}

export interface UclientResult {
  sent: number;
  received: number;
  lostPercent: number;
  stdout: string;
}

export function parse(stdout: string): UclientResult {
  const totals = [...stdout.matchAll(/start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)/g)].pop();
  const lost = /Total lost packets (\d+) \(([\d.]+)%\)/.exec(stdout);
  assert.ok(totals && lost, `uclient printed its totals:\n${stdout.slice(-2000)}`);
  return {
    sent: Number(totals[1]),
    received: Number(totals[2]),
    lostPercent: Number(lost[2]),
    stdout,
  };
}
