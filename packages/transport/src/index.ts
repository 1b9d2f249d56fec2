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
 * {@link PathSession} joins it to paths. This entry point imports nothing from Node; the Node
 * adapters (UDP path, timers, OpenSSL AEAD) are in `@peerlink/transport/node` (src/node/index.ts,
 * with a two-peer example).
 *
 * @example A session on a fake clock, as the tests drive it
 * ```ts
 * import { createIdentity, Session } from '@peerlink/transport';
 *
 * const a = new Session({ role: 'initiator', identity: createIdentity() });
 * const b = new Session({ role: 'responder', identity: createIdentity() });
 * let now = 0;
 * a.start(now);
 * b.start(now);
 * // Shuttle datagrams until both are open (a path would carry them; here, directly).
 * while (!a.isOpen || !b.isOpen) {
 *   for (const d of a.takeOutput()) b.receive(d, now);
 *   for (const d of b.takeOutput()) a.receive(d, now);
 *   now += 10;
 * }
 * a.sendMessage(new TextEncoder().encode('hello'), now);
 * for (const d of a.takeOutput()) b.receive(d, now);
 * console.log(b.takeEvents().map((e) => e.type)); // ['open', 'message']
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
