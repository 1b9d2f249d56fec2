/**
 * The TURN servers GetIceServerConfig hands a KVS client: this server's own TURN (UDP, TCP, and TLS
 * when it listens) with TURN REST credentials signed with its TURN secret, or, with --ice-server, an
 * operator's TURN servers (coturn's `use-auth-secret`) with credentials signed with their secrets.
 *
 * The credentials outlive the answer's Ttl (300 s, when the SDKs ask again): a TURN allocation is
 * refreshed with the credentials it was made with for as long as the call lasts.
 */
import { makeTurnRestCredentials } from '@peerlink/wire';
import type { TurnServerGrant } from '@peerlink/signaling';
import type { IceSource } from '../../ice-settings.js';
import { stunTurnUrls, type AdvertisedStunTurn } from '../../ice-servers.js';

export const KVS_TURN_CREDENTIAL_SECONDS = 24 * 3600;

export interface KvsTurnSource extends AdvertisedStunTurn {
  /** The secrets and servers in force, read at every call (a reload replaces them). */
  readonly ice: IceSource;
  readonly now: () => number;
}

/** `turn:h:p` -> UDP and TCP; `turns:h:p` -> TCP; a URI naming its transport stays as it is. */
export function expandTurnUri(uri: string): string[] {
  if (uri.includes('?')) return [uri];
  return uri.startsWith('turns:')
    ? [`${uri}?transport=tcp`]
    : [`${uri}?transport=udp`, `${uri}?transport=tcp`];
}

export function kvsTurnServers(
  o: KvsTurnSource,
): (who: { channel: string; user: string }, hostHeader: string | undefined) => TurnServerGrant[] {
  return (who, hostHeader) => {
    // A STUN USERNAME is under 513 bytes: the channel goes when both names are long.
    const id = who.channel.length + who.user.length < 480 ? `${who.channel}/${who.user}` : who.user;
    const grant = (uris: string[], secret: string): TurnServerGrant => {
      const c = makeTurnRestCredentials(secret, id, KVS_TURN_CREDENTIAL_SECONDS, o.now() / 1000);
      return { uris, username: c.username, password: c.password };
    };
    const external = o.ice.external;
    if (external.length > 0) return external.map((s) => grant(expandTurnUri(s.uri), s.secret));
    return [grant(stunTurnUrls(o, hostHeader).turn, o.ice.turnSecret)];
  };
}
