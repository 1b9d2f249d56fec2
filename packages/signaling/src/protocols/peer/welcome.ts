/**
 * The `welcome` a peer gets when it registers (docs/peer-protocol.md): who it is, where the server
 * saw it, STUN and ICE servers, the relay's and the connection's limits, and the sessions it still
 * has from before a reconnect. Pure: built from the engine's state, sent by the engine.
 */
import { PROTOCOL_NAME, PROTOCOL_VERSION, type ServerMessage } from './messages.js';
import type { PeerEngineOptions, WelcomeSource } from './options.js';
import type { LocalPeer, SessionRecord } from './state.js';

export function welcomeMessage(
  o: PeerEngineOptions,
  source: WelcomeSource,
  meta: { readonly remote: string; readonly host?: string | undefined },
  peer: LocalPeer,
  sessions: readonly SessionRecord[],
  node: string,
): ServerMessage {
  return {
    type: 'welcome',
    protocol: PROTOCOL_NAME,
    v: PROTOCOL_VERSION,
    id: peer.id,
    node,
    observedAddress: meta.remote,
    stun: source.stun(),
    iceServers: source.iceServers(peer.id, meta.host),
    relay: {
      maxFrameBytes: o.relay.maxFrameBytes,
      bytesPerSecond: o.relay.bytesPerSecond,
      burstBytes: o.relay.burstBytes,
    },
    limits: {
      maxMessageBytes: o.maxMessageBytes,
      messagesPerSecond: o.messagesPerSecond,
      idleTimeoutSeconds: o.idleTimeoutMs / 1000,
    },
    heartbeatSeconds: o.heartbeatSeconds,
    sessions: sessions.map((s) => ({
      session: s.id,
      peer: s.initiator === peer.id ? s.target : s.initiator,
    })),
  };
}
