/**
 * One real WebRTC session across the lab: a master at site A (the Node master, `peerlink
 * kvs-master` playing a VP8 file, or Chromium with its fake camera) and a Chromium viewer at site
 * B, on a KVS channel of the lab's peerlink (HTTPS control plane, wss signaling, STUN and TURN on
 * the internet segment). Recorded: connected, the selected candidate pair's types from the viewer's
 * getStats, the time from opening the viewer's page to its first decoded frame, and whether the
 * session stayed direct for the 10 s after it (stability.ts).
 */
import { join } from 'node:path';
import { PRESETS, type PresetName } from '@peerlink/testing';
import type { IceServer, ResolvedChannel } from '@peerlink/webrtc';
import { SERVER_IP, SERVER_IP6, STUN_PORT } from '../addressing.js';
import { inNs, run, start } from '../exec.js';
import { PEERLINK_BIN, startServer } from '../server.js';
import { buildTopology, type LabHost, type Topology } from '../topology.js';
import { firstFrame, launchChromiumIn, openSample, sampleState, sampleStats } from './chromium.js';
import { iceExpect, type IceExpectation } from './ice-expectations.js';
import {
  isDirectPair,
  judgeStability,
  rejudgeStability,
  STALL_GRACE_MS,
  STAY_WINDOW_MS,
  type Stability,
} from './stability.js';

export { isDirectPair } from './stability.js';

export type MasterKind = 'node' | 'chromium';

export interface SessionOptions {
  readonly master?: MasterKind;
  /** Both sites get global IPv6 (and the ICE servers an IPv6 STUN URI). */
  readonly ipv6?: boolean;
  /** Chromium's host candidates as `.local` names (its default) instead of addresses. */
  readonly mdns?: boolean;
  /** The Node master maps a port on its gateway and advertises it (`kvs-master --port-mapping`). */
  readonly portMapping?: boolean;
  /**
   * The Node master's conntrack-clash remedy (TTL-limited openers, held checks): default on, as in
   * `kvs-master`; false passes `--no-ttl-openers`. The run is judged by the table that fits.
   */
  readonly ttlOpeners?: boolean;
  /** Wait for each step (signaling, first frame); generous: a loaded 2-core machine. */
  readonly timeoutMs?: number;
}

export type SessionStatus = 'ok' | 'missed' | 'failed';

export interface SessionResult {
  readonly master: PresetName;
  readonly viewer: PresetName;
  readonly masterKind: MasterKind;
  readonly ipv6: boolean;
  /** Chromium hid its host candidates behind mDNS names; the master advertised a mapped port. */
  readonly mdns: boolean;
  readonly portMapping: boolean;
  /** The Node master ran with its TTL remedy (absent in runs before it: false). */
  readonly ttlOpeners?: boolean;
  readonly expected: IceExpectation;
  readonly status: SessionStatus;
  readonly connected: boolean;
  /** The viewer's selected pair, `local/remote` candidate types (host, srflx, prflx, relay). */
  readonly pairType: string | null;
  readonly direct: boolean | null;
  /** ms from opening the viewer's page to its first decoded frame. */
  readonly firstFrameMs: number | null;
  /** The STAY_WINDOW_MS after the first frame: pairs seen, frames flowing, stayed direct (null: no frame). */
  readonly stability: Stability | null;
  readonly note: string | null;
}

const HTTPS_PORT = 8443;
const MEDIA = new URL('../../../../packages/webrtc/test/fixtures/vp8.ivf', import.meta.url).pathname;
const SETUP = new URL('./kvs-setup.js', import.meta.url).pathname;

export function judge(expected: IceExpectation, connected: boolean, pair: string | null): SessionStatus {
  if (!connected || pair === null) return 'failed';
  return expected.outcome === 'direct' && !isDirectPair(pair) ? 'missed' : 'ok';
}

/** A saved result judged again against the expectations as they are now (`webrtc-table --results`). */
export function rejudge(r: SessionResult): SessionResult {
  const mdns = !r.mdns ? 'none' : r.masterKind === 'chromium' ? 'both' : 'viewer';
  const expected = iceExpect(r.master, r.viewer, {
    ipv6: r.ipv6,
    mdns,
    masterPortMapping: r.portMapping ?? false,
    ttlRemedy: r.masterKind === 'node' && (r.ttlOpeners ?? false),
  });
  return {
    ...r,
    expected,
    status: judge(expected, r.connected, r.pairType),
    stability: r.stability ? rejudgeStability(r.stability) : null,
  };
}

export async function runSession(
  master: PresetName,
  viewer: PresetName,
  opts: SessionOptions = {},
): Promise<SessionResult> {
  const kind = opts.master ?? 'node';
  const v6 = opts.ipv6 ?? false;
  const shared = PRESETS[master].shared && master === viewer;
  const mdns = opts.mdns ? (kind === 'chromium' ? 'both' : 'viewer') : 'none';
  const portMapping = (opts.portMapping ?? false) && kind === 'node';
  const ttlOpeners = (opts.ttlOpeners ?? true) && kind === 'node';
  const expected = iceExpect(master, viewer, {
    ipv6: v6,
    mdns,
    masterPortMapping: portMapping,
    ttlRemedy: ttlOpeners,
  });
  const base = {
    master,
    viewer,
    masterKind: kind,
    ipv6: v6,
    mdns: opts.mdns ?? false,
    portMapping,
    ttlOpeners,
    expected,
  };
  const failed = (note: string): SessionResult => ({
    ...base,
    status: 'failed',
    connected: false,
    pairType: null,
    direct: null,
    firstFrameMs: null,
    stability: null,
    note,
  });
  let topo: Topology;
  try {
    topo = await buildTopology(
      shared
        ? [{ preset: master, ipv6: v6 }]
        : [
            { preset: master, ipv6: v6 },
            { preset: viewer, ipv6: v6 },
          ],
    );
  } catch (e) {
    // A pair whose namespaces did not come up (a gateway not ready in time on a loaded machine) is
    // a failed pair, not the end of the run.
    return failed(`topology: ${(e as Error).message.split('\n')[0] ?? 'error'}`);
  }
  const closers: (() => Promise<void>)[] = [];
  try {
    return await session(topo, shared, kind, opts, closers, base);
  } catch (e) {
    return failed((e as Error).message.split('\n')[0] ?? 'error');
  } finally {
    await Promise.all(closers.map((c) => c()));
    await topo.teardown();
  }
}

async function session(
  topo: Topology,
  shared: boolean,
  kind: MasterKind,
  opts: SessionOptions,
  closers: (() => Promise<void>)[],
  base: Omit<
    SessionResult,
    'status' | 'connected' | 'pairType' | 'direct' | 'firstFrameMs' | 'stability' | 'note'
  >,
): Promise<SessionResult> {
  const timeout = opts.timeoutMs ?? 60_000;
  const v6 = base.ipv6;
  // The server's start waits as long as any step: on a loaded machine 20 s was seen to run out.
  const server = await startServer(topo, { ipv6: v6, readyTimeoutMs: timeout });
  const hostA = topo.sites[0]!.hosts[0] as LabHost;
  const hostB = (shared ? topo.sites[0]!.hosts[1] : topo.sites[1]!.hosts[0]) as LabHost;
  const key = JSON.parse(
    (
      await run(process.execPath, [
        PEERLINK_BIN,
        'access-keys',
        'create',
        '--json',
        '--data-dir',
        server.dataDir,
      ])
    ).stdout,
  ) as { AccessKeyId: string; SecretAccessKey: string };
  const credentials = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
  const endpoint = `https://${SERVER_IP}:${HTTPS_PORT}`;
  const ca = join(server.dataDir, 'tls', 'dev-cert.pem');
  const channel = 'lab-cam';
  const setup = async (host: LabHost, role: 'MASTER' | 'VIEWER', id: string, create: boolean) => {
    const args = [SETUP, endpoint, ca, channel, role, id, ...(create ? ['--create'] : [])];
    const env = `AWS_ACCESS_KEY_ID=${credentials.accessKeyId}`;
    const secret = `AWS_SECRET_ACCESS_KEY=${credentials.secretAccessKey}`;
    const r = await inNs(host.ns, 'env', [env, secret, process.execPath, ...args]);
    return withIpv6Stun(JSON.parse(r.stdout) as ResolvedChannel, v6);
  };
  const masterChannel = await setup(hostA, 'MASTER', 'lab-master', true);
  if (kind === 'node') {
    const p = start(
      hostA.ns,
      process.execPath,
      [
        PEERLINK_BIN,
        'kvs-master',
        '--endpoint',
        endpoint,
        '--ca',
        ca,
        '--channel',
        channel,
        '--access-key-id',
        credentials.accessKeyId,
        '--secret-access-key',
        credentials.secretAccessKey,
        '--file',
        MEDIA,
        '--stats-interval',
        '0',
        ...(opts.portMapping ? ['--port-mapping'] : []),
        ...(base.ttlOpeners === false ? ['--no-ttl-openers'] : []),
      ],
      'peerlink kvs-master',
    );
    topo.own(p);
    await p.waitForLine(/"event":"ready"/, timeout);
  } else {
    const b = await launchChromiumIn(hostA.ns, opts.mdns ?? false);
    closers.push(b.close);
    const page = await openSample(b, {
      httpsUrl: endpoint,
      role: 'master',
      channel: masterChannel,
      credentials,
      clientId: 'lab-master',
    });
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { kvsSample: { state: string } }).kvsSample.state === 'waiting for viewers',
      undefined,
      { timeout },
    );
  }
  const viewerChannel = await setup(hostB, 'VIEWER', 'lab-viewer', false);
  const vb = await launchChromiumIn(hostB.ns, opts.mdns ?? false);
  closers.push(vb.close);
  const t0 = performance.now();
  const page = await openSample(vb, {
    httpsUrl: endpoint,
    role: 'viewer',
    channel: viewerChannel,
    credentials,
    clientId: 'lab-viewer',
  });
  try {
    await firstFrame(page, timeout);
  } catch {
    const s = await sampleState(page);
    return {
      ...base,
      status: 'failed',
      connected: s.state === 'connected',
      pairType: s.selectedPairType,
      direct: null,
      firstFrameMs: null,
      stability: null,
      note: `no frame within ${timeout} ms (state ${s.state}${s.error ? `, ${s.error}` : ''})`,
    };
  }
  const firstFrameMs = Math.round(performance.now() - t0);
  // Watched for 10 s: the pair at every getStats poll and frames decoded; the pair it ends on is
  // the session's.
  const stability = judgeStability(await sampleStats(page, STAY_WINDOW_MS, STALL_GRACE_MS, timeout));
  const s = await sampleState(page);
  const connected = s.state === 'connected';
  const pairType = stability.pairs.at(-1)?.type ?? s.selectedPairType;
  return {
    ...base,
    status: judge(base.expected, connected, pairType),
    connected,
    pairType,
    direct: pairType === null ? null : isDirectPair(pairType),
    firstFrameMs,
    stability,
    note: s.error,
  };
}

/** With IPv6 on, a `stun:` URI on the server's IPv6 address, so IPv6 gets srflx candidates too. */
function withIpv6Stun(ch: ResolvedChannel, v6: boolean): ResolvedChannel {
  if (!v6) return ch;
  const stun6: IceServer = { urls: `stun:[${SERVER_IP6}]:${STUN_PORT}` };
  return { ...ch, iceServers: [stun6, ...ch.iceServers] };
}
