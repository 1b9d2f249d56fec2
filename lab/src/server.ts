/**
 * Starts `peerlink serve` in the lab's internet namespace on both server addresses (RFC 5780), and
 * finds the peerlink command the lab drives (apps/cli/bin/peerlink.js, run by this same node).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HTTP_PORT,
  SERVER_ALT_IP,
  SERVER_IP,
  SERVER_IP6,
  SERVER_NAME,
  STUN_ALT_PORT,
  STUN_PORT,
} from './addressing.js';
import { run, start } from './exec.js';
import type { Topology } from './topology.js';

export const PEERLINK_BIN = new URL('../../../apps/cli/bin/peerlink.js', import.meta.url).pathname;

/** The ranges lab peers live in: a TURN server must be told it may relay to them. */
export const LAB_PEER_CIDRS = ['198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32'];

export interface LabServer {
  readonly stunUrl: string;
  readonly httpUrl: string;
  /** The server's data dir (its secrets mint peer tokens). */
  readonly dataDir: string;
}

let help: Promise<string> | undefined;
const serveHelp = (): Promise<string> =>
  (help ??= run(process.execPath, [PEERLINK_BIN, 'serve', '--help']).then((r) => r.stdout));

/**
 * True once `peerlink serve` implements an option (its help stops marking it "not implemented
 * yet"). The lab passes such options only when they work, so it runs before and after they land.
 */
export async function serveSupports(option: string): Promise<boolean> {
  const line = (await serveHelp()).split('\n').find((l) => l.trimStart().startsWith(`${option} `));
  return line !== undefined && !line.includes('not implemented yet');
}

export interface ServerOptions {
  /** Also serve STUN on the server's IPv6 address (a second process: `--host` takes one address). */
  readonly ipv6?: boolean;
  readonly readyTimeoutMs?: number;
}

export async function startServer(topo: Topology, opts: ServerOptions = {}): Promise<LabServer> {
  const dataDir = await startServe(
    topo,
    SERVER_IP,
    ['--alt-ip', SERVER_ALT_IP, '--alt-port', String(STUN_ALT_PORT)],
    opts,
  );
  if (opts.ipv6) await startServe(topo, SERVER_IP6, [], opts);
  return {
    dataDir,
    // By name: each host's /etc/hosts gives it the server's IPv4 and, with IPv6 on, IPv6 address.
    stunUrl: `stun:${SERVER_NAME}:${STUN_PORT}`,
    httpUrl: `http://${SERVER_IP}:${HTTP_PORT}`,
  };
}

/** One `peerlink serve` in the core namespace; resolves with its data dir once it prints "ready". */
async function startServe(
  topo: Topology,
  host: string,
  extra: string[],
  opts: ServerOptions,
): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'peerlink-lab-server-'));
  const args = [
    PEERLINK_BIN,
    'serve',
    '--data-dir',
    dataDir,
    '--host',
    host,
    ...extra,
    '--stun-port',
    String(STUN_PORT),
    '--http-port',
    String(HTTP_PORT),
    '--https-port',
    '8443',
    '--log-level',
    'warn',
  ];
  // HOOK (issue #4): TURN relays refuse documentation ranges unless allowed; the lab's peers live
  // there. Passed automatically as soon as `serve --help` no longer marks it "not implemented yet".
  if (await serveSupports('--allow-peer')) args.push('--allow-peer', LAB_PEER_CIDRS.join(','));
  // Two servers share the core namespace (IPv4 and IPv6): the admin API's one loopback port would clash.
  args.push('--admin-listen', 'off');
  const p = start(topo.core, process.execPath, args, `peerlink serve ${host}`);
  topo.own({ ...p, stop: async () => (await p.stop(), rmSync(dataDir, { recursive: true, force: true })) });
  // A wait for an event, so generous: on a 2-core machine at load 22 the server took 18 s to be ready.
  await p.waitForLine(/^peerlink: ready$/, opts.readyTimeoutMs ?? 60_000);
  return dataDir;
}
