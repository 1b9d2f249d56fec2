/** `peerlink listen`: register, accept every connection, echo its messages, datagrams and streams. */
import { PeerNode } from '@peerlink/client';
import type { Io } from '../io.js';
import { eventPrinter, PEER_HELP, parsePeerArgs, peerNodeOptions } from './peer-args.js';

export const LISTEN_HELP = [
  'Usage: peerlink listen --server URL --id ID --token T [--no-direct] [--json]',
  '',
  'Accepts peer connections and echoes every stream, message and datagram. The first output line',
  '(event "listening") means it is registered and reachable.',
  '',
  ...PEER_HELP,
].join('\n');

export async function listen(argv: string[], io: Io): Promise<number> {
  const a = parsePeerArgs('listen', argv, {}, io.env);
  if (a.help) {
    io.out(LISTEN_HELP);
    return 0;
  }
  const print = eventPrinter(a.values['json'] === true, io.out);
  const node = await PeerNode.start(peerNodeOptions(a));
  print({
    event: 'listening',
    id: node.id,
    observedAddress: node.welcome?.observedAddress ?? null,
    publicKey: Buffer.from(node.identity.publicKey).toString('base64url'),
  });
  node.on('connection', (conn) => {
    print({ event: 'connection', from: conn.peerId, path: conn.path });
    conn.on('message', (m) => conn.send(m));
    conn.on('datagram', (d) => conn.sendDatagram(d));
    conn.on('stream', (s) => s.pipe(s));
    conn.on('path', (p) => print({ event: 'path', from: conn.peerId, path: p.path, remote: p.remote }));
    conn.on('close', (err) =>
      print({ event: 'closed', from: conn.peerId, ...(err ? { error: err.message } : {}) }),
    );
  });
  node.on('state', (s) => print({ event: 'server', state: s }));
  const sig = await io.stopSignal;
  print({ event: 'stopped', signal: sig });
  node.close();
  return 0;
}
