/**
 * @peerlink/transport: an encrypted KCP session between two peers that runs over any path (the
 * relay, direct UDP, TURN) and switches paths underneath without the application noticing. The
 * contract, packet formats and diagrams: docs/transport.md.
 *
 * - KCP, wire-compatible with ikcp and kcp-go ({@link Kcp}; modes {@link KcpMode}).
 * - Noise_XX_25519_ChaChaPoly_BLAKE2s with Ed25519 identities and key pinning; ChaCha20-Poly1305
 *   on every packet with a replay window and rekeying.
 * - Reliable ordered messages, unreliable datagrams, and ordered byte streams multiplexed over one
 *   KCP (a loss stalls every stream until repaired; datagrams never wait).
 *
 * Engines are sans-IO: {@link Session} takes bytes and `now`, returns datagrams and events.
 * {@link PathSession} joins it to paths; `runPathSession` and {@link UdpPath} are the Node adapters.
 *
 * @example Two peers over loopback UDP
 * ```ts
 * import { createSocket } from 'node:dgram';
 * import { createIdentity, PathSession, runPathSession, Session, UdpPath, monotonicClock } from '@peerlink/transport';
 *
 * const alice = createIdentity();
 * const bob = createIdentity(); // in peerlink, the server's welcome tells each side the other's key
 * const [sa, sb] = [createSocket('udp4'), createSocket('udp4')];
 * await Promise.all([sa, sb].map((s) => new Promise<void>((r) => s.bind(0, '127.0.0.1', r))));
 *
 * const a = new PathSession(
 *   new Session({ role: 'initiator', identity: alice, remoteIdentity: bob.publicKey, mode: 'fast' }),
 *   monotonicClock,
 *   (event) => console.log('alice', event.type),
 *   1200,
 * );
 * const b = new PathSession(
 *   new Session({ role: 'responder', identity: bob, remoteIdentity: alice.publicKey, mode: 'fast' }),
 *   monotonicClock,
 *   (event) => {
 *     if (event.type === 'message') console.log('bob got', new TextDecoder().decode(event.data));
 *   },
 *   1200,
 * );
 * a.addPath(new UdpPath(sa, { address: '127.0.0.1', port: sb.address().port }));
 * b.addPath(new UdpPath(sb, { address: '127.0.0.1', port: sa.address().port }));
 * a.select(`udp:127.0.0.1:${sb.address().port}`);
 * b.select(`udp:127.0.0.1:${sa.address().port}`);
 * runPathSession(b);
 * runPathSession(a);
 * // once alice sees { type: 'open' }: a.sendMessage(new TextEncoder().encode('hello'));
 * ```
 */

export { TransportError, TransportErrorCode } from './errors.js';
export { Kcp, type KcpCounters, type KcpOptions } from './kcp/kcp.js';
export { KcpMode, type KcpModeName, type KcpNoDelay } from './kcp/constants.js';
export { createIdentity, type Identity } from './crypto/identity.js';
export { NOISE_XX_PROTOCOL, NoiseXX, type NoiseResult, type NoiseXXOptions } from './crypto/noise-xx.js';
export { type Aead, nobleAead, x25519KeyPair, type KeyPair } from './crypto/noise-primitives.js';
export { DATA_OVERHEAD, PacketCipher, type RekeyPolicy } from './crypto/packet-cipher.js';
export { ReplayWindow } from './crypto/replay-window.js';
export { Session, type SessionOptions } from './session/session.js';
export type { SessionEvent, SessionStats } from './session/session-types.js';
export { type Path, PathSession, type PathStats } from './path.js';
export { UdpPath } from './node/udp-path.js';
export { nodeAead } from './node/node-aead.js';
export { monotonicClock, runPathSession } from './node/run-path-session.js';
