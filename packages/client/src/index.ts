/**
 * @peerlink/client: the Node SDK. A PeerNode registers with a peerlink server; its connections are
 * end-to-end encrypted transport sessions that start on the relay at once and move to a direct UDP
 * path (or a TURN path) when one answers, without losing a byte (docs/hole-punching.md). Options:
 * `direct` (default true) punches beside the relay; `portMapping` (default true) asks the local
 * gateway for a port by PCP, NAT-PMP or UPnP-IGD.
 *
 * @example
 * ```ts
 * import { PeerNode } from '@peerlink/client';
 * const bob = await PeerNode.start({ server: 'http://127.0.0.1:8080', id: 'bob', token: BOB_TOKEN });
 * bob.on('connection', (conn) => conn.on('stream', (s) => s.pipe(s))); // echo every stream
 * const alice = await PeerNode.start({ server: 'http://127.0.0.1:8080', id: 'alice', token: ALICE_TOKEN });
 * const conn = await alice.connect('bob');
 * const stream = conn.createStream();
 * stream.on('data', (d) => console.log('echo', d.toString()));
 * stream.end('hello');
 * conn.on('path', (p) => console.log(p.path, p.remote)); // 'direct' 203.0.113.7:40312, ...
 * console.log(conn.stats().pathSwitches);
 * ```
 */
export { ClientError } from './errors.js';
export type { ClientErrorCode } from './errors.js';
export { DIRECT_METHODS, DIRECT_PATHS_SUPPORTED, PeerConnection } from './peer-connection.js';
export type {
  ConnectionState,
  ConnectionStats,
  PathEvent,
  PathKind,
  PeerConnectionEvents,
} from './peer-connection.js';
export { PeerNode } from './peer-node.js';
export type { ConnectOptions, PeerNodeEvents, PeerNodeOptions } from './peer-node.js';
export { PeerStream } from './peer-stream.js';
export { openQuicSocket } from './signaling/quic-socket.js';
export type { QuicSignalingSocket, QuicSocketOptions } from './signaling/quic-socket.js';
export { quicHostPort } from './signaling/socket.js';
export type { SignalingSocket, SignalingSocketOptions } from './signaling/socket.js';
export { p2pUrl, SignalingClient } from './signaling-client.js';
export type { ServerMsg, SignalingClientOptions, SignalingState, WelcomeMsg } from './signaling-client.js';
