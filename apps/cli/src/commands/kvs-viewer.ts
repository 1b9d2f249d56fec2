/**
 * `peerlink kvs-viewer --channel C`: a KVS viewer in Node that receives the master's media, counts
 * its RTP, sends one data channel message and prints the echo, and prints RTCP statistics. Prints
 * one JSON line per event; stops on SIGINT/SIGTERM or after --duration seconds (exit 1 if no RTP
 * arrived by then).
 */
import { createKvsViewer } from '@peerlink/webrtc';
import { parseCommandArgs } from '../args.js';
import { UsageError, type Io } from '../io.js';
import { KVS_PEER_HELP, KVS_PEER_OPTIONS, kvsTarget, statsInterval } from './kvs-peer-args.js';

export const KVS_VIEWER_HELP = [
  'Usage: peerlink kvs-viewer --channel C [--client-id ID] [--duration SECONDS]',
  '',
  "Joins a KVS signaling channel as a viewer and reports the master's media as it arrives.",
  '',
  ...KVS_PEER_HELP,
  '  --client-id ID            this viewer on the channel (default viewer-<random>)',
  '  --duration SECONDS        stop after this long; exit 1 if no RTP arrived',
].join('\n');

export async function kvsViewer(argv: string[], io: Io): Promise<number> {
  const v = parseCommandArgs('kvs-viewer', argv, {
    ...KVS_PEER_OPTIONS,
    'client-id': { type: 'string' },
    duration: { type: 'string' },
  });
  if (v.help) {
    io.out(KVS_VIEWER_HELP);
    return 0;
  }
  const target = kvsTarget('kvs-viewer', v, io);
  const every = statsInterval('kvs-viewer', v);
  const d = v.duration;
  if (d !== undefined && !/^\d{1,5}$/.test(d))
    throw new UsageError(`kvs-viewer: --duration must be whole seconds`);
  const clientId = v['client-id'] ?? `viewer-${Math.random().toString(36).slice(2, 10)}`;
  const print = (o: object): void => io.out(JSON.stringify(o));
  const viewer = await createKvsViewer({ ...target, clientId });
  const rtp = { audio: 0, video: 0 };
  print({ event: 'offered', channel: target.channel, clientId, signaling: viewer.joined?.signaling });
  viewer.on('connected', () => print({ event: 'connected' }));
  viewer.on('refused', (e) => print({ event: 'refused', code: e.code, reason: e.message }));
  viewer.on('track', (t) => {
    print({ event: 'track', kind: t.kind });
    t.onReceiveRtp.subscribe(() => void rtp[t.kind as 'audio' | 'video']++);
  });
  const ch = viewer.dataChannel;
  ch?.stateChanged.subscribe((s) => {
    if (s === 'open') ch.send(`hello from ${clientId}`);
  });
  ch?.onMessage.subscribe((m) => print({ event: 'message', data: m.toString() }));
  const timer =
    every > 0
      ? setInterval(async () => print({ event: 'stats', rtp, ...(await viewer.stats()) }), every)
      : undefined;
  const stops: Promise<string>[] = [
    io.stopSignal,
    new Promise((resolve) => viewer.once('close', (code) => resolve(`signaling closed (${code})`))),
  ];
  if (d !== undefined)
    stops.push(new Promise((resolve) => setTimeout(() => resolve('duration'), Number(d) * 1000)));
  const why = await Promise.race(stops);
  clearInterval(timer);
  print({ event: 'stopped', reason: why, rtp, ...(await viewer.stats()) });
  await viewer.close();
  if (why === 'duration') return rtp.audio + rtp.video > 0 ? 0 : 1;
  return why.startsWith('SIG') ? 0 : 1;
}
