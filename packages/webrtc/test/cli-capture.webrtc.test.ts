// The operator's path, end to end with real processes: ffmpeg sends VP8 as RTP to `peerlink
// kvs-master --rtp-port`, `peerlink kvs-viewer` receives it through a real server, and tshark,
// capturing loopback meanwhile, decodes the session's UDP as STUN, DTLS, RTP and RTCP (RTP and RTCP
// heuristics on: they are off by default), with no malformed packet and nothing left as bare UDP.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { PEERLINK, startJsonLines, type JsonLinesProcess } from './helpers/json-lines.js';
import { kvsTestServer, type KvsTestServer } from './helpers/kvs-server.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'peerlink-capture-'));
let srv: KvsTestServer;
const children: ChildProcess[] = [];
const STEP_MS = 90_000; // one step's deadline; the suite's budget is 300 s

before(async () => {
  srv = await kvsTestServer();
});
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGINT');
  await srv?.close();
});

const start = (cmd: string, args: string[], env: Record<string, string> = {}): JsonLinesProcess =>
  startJsonLines(cmd, args, { env, stepMs: STEP_MS, children });

describe('peerlink kvs-master and kvs-viewer, captured', () => {
  it('forwards ffmpeg RTP to a viewer; tshark decodes STUN, DTLS, RTP and RTCP', async () => {
    const target = await srv.channel('cli');
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, srv.ca);
    const env = {
      AWS_ACCESS_KEY_ID: srv.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: srv.credentials.secretAccessKey,
    };
    const common = ['--endpoint', target.endpoint, '--channel', 'cli', '--ca', caFile];
    const pcap = join(dir, 'session.pcapng');
    const tshark = spawn('tshark', ['-i', 'lo', '-f', 'udp', '-w', pcap, '-q'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(tshark);
    await new Promise<void>((resolve) =>
      tshark.stderr.on('data', (d: Buffer) => d.toString().includes('Capturing on') && resolve()),
    );

    const master = start(
      'node',
      [PEERLINK, 'kvs-master', ...common, '--rtp-port', '0', '--codec', 'vp8', '--stats-interval', '0'],
      env,
    );
    const ready = await master.next('ready', (l) => l.event === 'ready');
    const [source] = ready['sources'] as { kind: string; codec: string; port: number }[];
    assert.equal(source?.codec, 'vp8');
    const ffmpeg = spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-re',
        '-f',
        'lavfi',
        '-i',
        'testsrc=size=320x240:rate=15',
        '-c:v',
        'libvpx',
        '-g',
        '15',
        '-deadline',
        'realtime',
        '-b:v',
        '300k',
        '-f',
        'rtp',
        `rtp://127.0.0.1:${source.port}`,
      ],
      { stdio: 'ignore' },
    );
    children.push(ffmpeg);
    const viewer = start(
      'node',
      [PEERLINK, 'kvs-viewer', ...common, '--client-id', 'cli-viewer', '--stats-interval', '1'],
      env,
    );
    await master.next('connected', (l) => l.event === 'connected');
    // Until the viewer has its data channel echo and 50 video packets, however long that takes on a
    // loaded machine (the suite's budget bounds it); then it is stopped as an operator would.
    await viewer.next('data channel echo', (l) => l.event === 'message');
    await viewer.next(
      '50 video packets',
      (l) => l.event === 'stats' && ((l['rtp'] as { video: number }).video ?? 0) > 50,
    );
    viewer.child.kill('SIGINT');
    const done = await viewer.next('stopped', (l) => l.event === 'stopped');
    await once(viewer.child, 'exit');
    assert.equal(viewer.child.exitCode, 0, viewer.stderr());
    assert.ok(
      viewer.lines.some((l) => l.event === 'message' && l['data'] === 'hello from cli-viewer'),
      'data channel echo',
    );
    const rtp = done['rtp'] as { video: number };
    assert.ok(rtp.video > 50, JSON.stringify(done));
    tshark.kill('SIGINT');
    await once(tshark, 'exit');

    const pair = done['selectedPair'] as { localAddress: string; remoteAddress: string };
    const ports = [pair.localAddress, pair.remoteAddress].map((a) => Number(a.slice(a.lastIndexOf(':') + 1)));
    const { stdout } = await run(
      'tshark',
      [
        '-r',
        pcap,
        '--enable-heuristic',
        'rtp_udp',
        '--enable-heuristic',
        'rtcp_udp',
        '-Y',
        `udp.port == ${ports[0]} && udp.port == ${ports[1]}`,
        '-T',
        'fields',
        '-e',
        'frame.protocols',
        '-e',
        '_ws.malformed',
        '-e',
        'rtp.version',
        '-e',
        'rtcp.version',
        '-e',
        'rtcp.pt',
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const rows = stdout
      .trim()
      .split('\n')
      .map((r) => r.split('\t'));
    const count = (p: string): number =>
      rows.filter(([protos]) => (protos ?? '').split(':').includes(p)).length;
    const counts = {
      stun: count('stun'),
      dtls: count('dtls'),
      rtp: count('rtp'),
      rtcp: count('rtcp'),
      all: rows.length,
    };
    assert.ok(
      counts.stun > 0 && counts.dtls > 0 && counts.rtp > 0 && counts.rtcp > 0,
      JSON.stringify(counts),
    );
    // tshark reads SRTP and SRTCP as plain RTP and RTCP: it has no keys, so it decodes encrypted
    // payloads by their payload type (99 is RFC 2198 redundant audio to it, 101 an RTP event) and an
    // SRTCP compound's encrypted tail as more RTCP, and calls some of those malformed. Let through
    // only such reads, of packets whose plaintext header is sound: RTP version 2, or RTCP version 2
    // with a first packet type of 200 to 206. STUN and DTLS must decode cleanly.
    const srtpRead = ([protos, , rtpVersion, rtcpVersion, pt]: string[]): boolean => {
      const p = (protos ?? '').split(':');
      if (p.includes('rtp')) return rtpVersion === '2';
      const type = Number((pt ?? '').split(',')[0]);
      return p.includes('rtcp') && (rtcpVersion ?? '').split(',')[0] === '2' && type >= 200 && type <= 206;
    };
    const malformed = rows.filter((r) => (r[1] ?? '') !== '' && !srtpRead(r));
    assert.equal(
      malformed.length,
      0,
      `malformed: ${JSON.stringify(malformed.slice(0, 5))} of ${JSON.stringify(counts)}`,
    );
    const bare = rows.filter(([protos]) => /:udp(:data)?$/.test(protos ?? ''));
    assert.equal(
      bare.length,
      0,
      `undecoded: ${JSON.stringify(bare.slice(0, 5))} of ${JSON.stringify(counts)}`,
    );
  });
});
