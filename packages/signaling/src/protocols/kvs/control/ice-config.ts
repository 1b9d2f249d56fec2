/**
 * GetIceServerConfig (the signaling data plane, `POST /v1/get-ice-server-config` on the channel's
 * HTTPS endpoint): TURN servers and fresh credentials for one client of a channel. The credentials
 * come from the caller's `iceServers` (the server mints TURN REST credentials with its TURN secret,
 * or points at an operator's coturn); this handler checks the channel and shapes the answer as AWS
 * does: at most 5 servers of at most 4 URIs each, Ttl 300 seconds (the SDKs ask again before it ends).
 */
import type { DurableRecords } from '../../../store/durable.js';
import { findChannel } from './channel-record.js';
import { kvsOk } from './errors.js';
import { IceConfigRequest, operation } from './requests.js';

export const ICE_CONFIG_TTL_SECONDS = 300;
export const MAX_ICE_SERVERS = 5;
export const MAX_ICE_URIS = 4;

/** One TURN server as the composition provides it. */
export interface TurnServerGrant {
  readonly uris: readonly string[];
  readonly username: string;
  readonly password: string;
}

export interface KvsIceServer {
  readonly Password: string;
  readonly Ttl: number;
  readonly Uris: string[];
  readonly Username: string;
}

/** Who the credentials are for: the channel, and the request's Username, else its ClientId, else `master`. */
export type TurnServerSource = (who: { channel: string; user: string }) => readonly TurnServerGrant[];

export interface IceConfigContext {
  readonly records: DurableRecords;
  readonly iceServers: TurnServerSource;
}

export const getIceServerConfig = operation(IceConfigRequest, async (ctx: IceConfigContext, req) => {
  const found = await findChannel(ctx.records, req.ChannelARN);
  if (!found.ok) return found;
  const grants = ctx.iceServers({
    channel: found.value.name,
    user: req.Username ?? req.ClientId ?? 'master',
  });
  const list: KvsIceServer[] = grants.slice(0, MAX_ICE_SERVERS).map((g) => ({
    Password: g.password,
    Ttl: ICE_CONFIG_TTL_SECONDS,
    Uris: g.uris.slice(0, MAX_ICE_URIS),
    Username: g.username,
  }));
  return kvsOk({ IceServerList: list });
});
