/**
 * @peerlink/transport/node: the Node adapters, kept out of the main entry so that the engines stay
 * importable in a browser. `UdpPath` is a path over a `dgram` socket, `runPathSession` arms real
 * timers for a PathSession, and `nodeAead` is OpenSSL's ChaCha20-Poly1305 for the packet layer
 * (the same bytes as the default, several times faster).
 *
 * @example
 * ```ts
 * import { PathSession, Session, createIdentity } from '@peerlink/transport';
 * import { UdpPath, monotonicClock, nodeAead, runPathSession } from '@peerlink/transport/node';
 *
 * const session = new Session({ role: 'initiator', identity: createIdentity(), aead: nodeAead });
 * const ps = new PathSession(session, monotonicClock, (event) => console.log(event.type), 1200);
 * ps.addPath(new UdpPath(socket, { address: '198.51.100.7', port: 40312 }));
 * ps.select('udp:198.51.100.7:40312');
 * runPathSession(ps);
 * ```
 */
export { UdpPath } from './udp-path.js';
export { nodeAead } from './node-aead.js';
export { monotonicClock, runPathSession } from './run-path-session.js';
