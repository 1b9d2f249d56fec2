/**
 * The lab's hooks into `peerlink listen` / `peerlink connect` as issue #7 defines their CLI contract.
 * Until that lands the commands answer "not implemented yet"; `connectAvailable` detects it so the
 * matrix reports pairs as not runnable instead of inventing results.
 */
import { run, runStatus, start, type LabProcess } from './exec.js';
import { PEERLINK_BIN } from './server.js';
import type { LabHost } from './topology.js';

/** True when `peerlink listen` and `peerlink connect` both exist. `bin`: the peerlink launcher. */
export async function connectAvailable(bin = PEERLINK_BIN): Promise<boolean> {
  for (const cmd of ['listen', 'connect']) {
    try {
      await run(process.execPath, [bin, cmd, '--help']);
    } catch {
      return false; // exit 2 with "not implemented yet (issue #7 brings it)"
    }
  }
  return true;
}

/**
 * A peer token for `id`: `peerlink token --id ID --data-dir DIR` (issue #3, on main since the
 * signaling merge; this branch predates it) reads the secret the lab's server generated there.
 */
export async function mintToken(id: string, serverDataDir: string, bin = PEERLINK_BIN): Promise<string> {
  const { stdout } = await run(process.execPath, [bin, 'token', '--id', id, '--data-dir', serverDataDir]);
  return stdout.trim();
}

export interface ConnectEvents {
  connected: boolean;
  /** ms from the connect call to the probe's echo (time to first byte). */
  firstByteMs: number | null;
  /** ms from the end of the signaling exchange (session open) to the probe's echo: one relay RTT. */
  afterSignalingMs: number | null;
  /** ms until the path first became direct. */
  directMs: number | null;
  /** Path that carried the bulk transfer. */
  path: 'relay' | 'turn' | 'direct' | null;
  /** The remote address of the last direct or TURN path the connection moved to. */
  remote: string | null;
  /** Path switches of the connection, and datagrams its session failed to open or parse. */
  pathSwitches: number | null;
  decodeFailures: number | null;
  bytesVerified: boolean;
  /** How far the peer's router is, when it answered the connecting side's ranging. */
  peerRouterHops?: number;
  error: string | null;
}

/** Reads `peerlink connect --json` output (one event object per line, issue #7). */
export function parseConnectEvents(stdout: string, bytes: number): ConnectEvents {
  const ev: ConnectEvents = {
    connected: false,
    firstByteMs: null,
    afterSignalingMs: null,
    directMs: null,
    path: null,
    remote: null,
    pathSwitches: null,
    decodeFailures: null,
    bytesVerified: false,
    error: null,
  };
  for (const line of stdout.split('\n')) {
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (e.event === 'connected') {
      ev.connected = true;
      ev.firstByteMs = Number(e.ms);
      if (typeof e.firstByteAfterSignalingMs === 'number') ev.afterSignalingMs = e.firstByteAfterSignalingMs;
    } else if (e.event === 'path') {
      if (e.path === 'direct' && ev.directMs === null) ev.directMs = Number(e.ms);
      if (typeof e.remote === 'string') ev.remote = e.remote;
    } else if (e.event === 'done') {
      ev.path = e.path as ConnectEvents['path'];
      ev.bytesVerified = e.bytes === bytes && typeof e.sha256 === 'string';
      if (typeof e.pathSwitches === 'number') ev.pathSwitches = e.pathSwitches;
      if (typeof e.decodeFailures === 'number') ev.decodeFailures = e.decodeFailures;
      if (typeof e.peerRouterHops === 'number') ev.peerRouterHops = e.peerRouterHops;
    } else if (e.event === 'error') {
      ev.error = `${String(e.code)}: ${String(e.message)}`;
    }
  }
  return ev;
}

/**
 * How long `peerlink listen` may take to print its first line. Issue #7's contract names no ready
 * event; the lab needs one (any stdout line once the peer is registered) rather than a guessed sleep.
 * A wait, not a timing: on a loaded 2-core machine (load 22) starting Node and registering took
 * more than 15 s, so it is generous.
 */
export const LISTEN_READY_MS = 60_000;

export interface PeerRun {
  readonly listener: LabProcess;
  /** Resolves once the listener printed its first line (it is registered). */
  ready(): Promise<unknown>;
  connect(): Promise<ConnectEvents>;
}

/** Starts `peerlink listen` on host B and returns how to run `peerlink connect` from host A. */
export function startPeers(
  a: LabHost,
  b: LabHost,
  serverUrl: string,
  tokens: { a: string; b: string },
  opts: { bytes: number; settleSec: number; timeoutSec: number; bin?: string },
): PeerRun {
  const bin = opts.bin ?? PEERLINK_BIN;
  const listener = start(
    b.ns,
    process.execPath,
    [bin, 'listen', '--server', serverUrl, '--id', 'lab-b', '--token', tokens.b, '--json'],
    'peerlink listen',
  );
  return {
    listener,
    ready: () => listener.waitForLine(/./, LISTEN_READY_MS),
    async connect() {
      const args = [
        bin,
        'connect',
        '--server',
        serverUrl,
        '--id',
        'lab-a',
        '--token',
        tokens.a,
        '--to',
        'lab-b',
        '--bytes',
        String(opts.bytes),
        '--settle',
        String(opts.settleSec),
        '--timeout',
        String(opts.timeoutSec),
        '--json',
      ];
      const r = await runStatus('ip', ['netns', 'exec', a.ns, process.execPath, ...args]);
      const ev = parseConnectEvents(r.stdout, opts.bytes);
      if (r.code !== 0 && !ev.error) ev.error = `exit ${r.code}: ${r.stderr.trim().slice(-300)}`;
      return ev;
    },
  };
}
