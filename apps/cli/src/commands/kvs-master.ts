/**
 * `peerlink kvs-master --channel C --rtp-port 5004`: a KVS master in Node that forwards RTP arriving
 * on local UDP ports (ffmpeg `-f rtp`, GStreamer udpsink) to every viewer without transcoding, and
 * echoes their data channels. Prints one JSON line per event; stops on SIGINT/SIGTERM.
 */
import {
  createKvsMaster,
  fileSource,
  GatewayMapper,
  isCodecName,
  rtpUdpSource,
  type CodecName,
  type MediaSource,
} from '@peerlink/webrtc';
import { parseCommandArgs } from '../args.js';
import { UsageError, type Io } from '../io.js';
import { KVS_PEER_HELP, KVS_PEER_OPTIONS, kvsTarget, port, statsInterval } from './kvs-peer-args.js';

export const KVS_MASTER_HELP = [
  'Usage: peerlink kvs-master --channel C [--rtp-port 5004 [--codec vp8]] [--audio-rtp-port 5006 [--audio-codec opus]] [--file F]',
  '',
  'Joins a KVS signaling channel as its master and sends what arrives, as it arrives, to each viewer.',
  '  e.g. ffmpeg -re -f lavfi -i testsrc -c:v libvpx -g 30 -f rtp rtp://127.0.0.1:5004',
  '',
  ...KVS_PEER_HELP,
  '  --rtp-port PORT           video RTP on 127.0.0.1:PORT',
  '  --codec C                 its codec: vp8 (default), vp9, h264',
  '  --audio-rtp-port PORT     audio RTP on 127.0.0.1:PORT',
  '  --audio-codec C           its codec: opus (default), pcmu, pcma',
  '  --file F                  an .ivf (VP8/VP9) or .ogg (Opus) file played in a loop (repeatable)',
  "  --port-mapping            map each viewer connection's UDP port on the gateway (PCP, NAT-PMP,",
  '                            UPnP-IGD) and advertise the mapped address as a candidate',
  '  --no-ttl-openers          plain werift ICE: no TTL-limited openers, no held checks (the conntrack',
  '                            clash remedy, docs/webrtc.md)',
].join('\n');

function codec(flag: string, t: string | undefined, fallback: CodecName, kind: string): CodecName {
  const c = t ?? fallback;
  if (!isCodecName(c) || (kind === 'audio') !== ['opus', 'pcmu', 'pcma'].includes(c))
    throw new UsageError(`kvs-master: ${flag} must be a ${kind} codec, got ${JSON.stringify(c)}`);
  return c;
}

export async function kvsMaster(argv: string[], io: Io): Promise<number> {
  const v = parseCommandArgs('kvs-master', argv, {
    ...KVS_PEER_OPTIONS,
    'rtp-port': { type: 'string' },
    codec: { type: 'string' },
    'audio-rtp-port': { type: 'string' },
    'audio-codec': { type: 'string' },
    file: { type: 'string', multiple: true },
    'port-mapping': { type: 'boolean' },
    'no-ttl-openers': { type: 'boolean' },
  });
  if (v.help) {
    io.out(KVS_MASTER_HELP);
    return 0;
  }
  const target = kvsTarget('kvs-master', v, io);
  const every = statsInterval('kvs-master', v);
  const videoPort = port('kvs-master', '--rtp-port', v['rtp-port']);
  const audioPort = port('kvs-master', '--audio-rtp-port', v['audio-rtp-port']);
  const sources: MediaSource[] = [];
  const print = (o: object): void => io.out(JSON.stringify(o));
  try {
    if (videoPort !== undefined)
      sources.push(await rtpUdpSource({ port: videoPort, codec: codec('--codec', v.codec, 'vp8', 'video') }));
    if (audioPort !== undefined)
      sources.push(
        await rtpUdpSource({
          port: audioPort,
          codec: codec('--audio-codec', v['audio-codec'], 'opus', 'audio'),
        }),
      );
    for (const f of v.file ?? []) sources.push(await fileSource(f));
  } catch (err) {
    for (const s of sources) s.close();
    throw err;
  }
  const mapper = v['port-mapping']
    ? new GatewayMapper({
        onMapping: (m) =>
          print({
            event: 'mapped',
            protocol: m.protocol,
            internal: `${m.internal.address}:${m.internal.port}`,
            external: `${m.external.address}:${m.external.port}`,
            lifetimeSec: m.lifetimeSec,
          }),
        onError: (e) => print({ event: 'mapping-failed', reason: e.message }),
      })
    : undefined;
  const master = await createKvsMaster({
    ...target,
    sources,
    ttlOpeners: !v['no-ttl-openers'],
    ...(mapper ? { extraCandidates: (c) => mapper.candidatesFor(c) } : {}),
  });
  print({
    event: 'ready',
    channel: target.channel,
    signaling: master.joined?.signaling,
    udpOut: master.udpOut,
    ttlOpeners: master.ttlOpeners,
    ownMapping: master.ownMapping,
    sources: sources.map((s) => ({ kind: s.kind, codec: s.codec, ...('port' in s ? { port: s.port } : {}) })),
  });
  master.on('viewer', (id) => print({ event: 'viewer', viewer: id }));
  master.on('connected', (id) => print({ event: 'connected', viewer: id }));
  master.on('refused', (e, id) => print({ event: 'refused', viewer: id, code: e.code, reason: e.message }));
  master.on('datachannel', (_id, ch) => ch.onMessage.subscribe((m) => ch.send(m)));
  const timer =
    every > 0
      ? setInterval(async () => {
          for (const id of master.viewers().keys())
            print({ event: 'stats', viewer: id, ...(await master.stats(id)) });
        }, every)
      : undefined;
  const closed = new Promise<string>((resolve) =>
    master.once('close', (code) => resolve(`signaling closed (${code})`)),
  );
  const why = await Promise.race([io.stopSignal, closed]);
  clearInterval(timer);
  await master.close();
  await mapper?.close();
  print({ event: 'stopped', reason: why });
  return why.startsWith('SIG') ? 0 : 1;
}
