/**
 * @peerlink/turn-server: the STUN Binding server (RFC 8489, RFC 5780 behaviour discovery) and TURN
 * (RFC 8656 over UDP, TCP and TLS; RFC 6062 TCP relaying). `engine/` is sans-IO; `node/` owns
 * sockets. Protocol notes and limits: docs/turn.md.
 *
 * @example STUN with RFC 5780 behaviour discovery
 * ```ts
 * import { startStunListeners } from '@peerlink/turn-server';
 * const stun = await startStunListeners({ address: '127.0.0.1', port: 3478,
 *   alternate: { address: '127.0.0.2', port: 3479 } });
 * console.log('STUN on', stun.primary, 'RFC 5780 alternate', stun.alternate);
 * await stun.close();
 * ```
 *
 * @example TURN on the same port, plus TLS
 * ```ts
 * import { NodeTurnRelays, PeerPolicy, startStunListeners } from '@peerlink/turn-server';
 * const turn = new NodeTurnRelays({
 *   relayIps: { 4: '192.0.2.10' },          // relays allocated here (one IPv4, one IPv6 at most)
 *   secrets: ['rest-secret'],               // TURN REST API; `users` for static users
 *   peerPolicy: new PeerPolicy(),           // deny list on (RFC 6890 ranges refused with 403)
 * });
 * const stun = await startStunListeners({ address: '192.0.2.10', port: 3478, turn: turn.hook,
 *   tls: { port: 5349, cert, key } });
 * // ... later
 * await stun.close();
 * await turn.close();
 * ```
 */
export { BindingServer, PRIMARY } from './engine/binding.js';
export type {
  BindingOutcome,
  BindingRequestContext,
  BindingServerOptions,
  DropReason,
  SocketRole,
  StunTransport,
} from './engine/binding.js';
export { StreamFramer } from './node/stream-framer.js';
export { startStunListeners } from './node/stun-listeners.js';
export type { StunEvent, StunListenerOptions, StunListeners } from './node/stun-listeners.js';
export { TurnEngine } from './engine/turn-engine.js';
export type {
  RelayedCount,
  RelayedCounts,
  TurnClient,
  TurnDropReason,
  TurnEngineOptions,
  TurnEvent,
  TurnOutput,
  TurnStats,
} from './engine/turn-types.js';
export type { AuthFailure } from './engine/auth.js';
export {
  PeerPolicy,
  parseCidr,
  cidrContains,
  DENIED_RANGES,
  embeddedAddresses,
} from './engine/peer-policy.js';
export type { Cidr, PeerPolicyOptions } from './engine/peer-policy.js';
export { TurnError, TurnErrorCode, TurnStatus } from './engine/errors.js';
export { NodeTurnRelays } from './node/turn-relays.js';
export type { NodeTurnOptions } from './node/turn-relays.js';
export type { HookClient, TurnHook } from './node/stun-listeners.js';
