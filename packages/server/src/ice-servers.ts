/**
 * The STUN and TURN URLs this server advertises to a client, from the host it reached us by (or the
 * configured public address), shared by the peer protocol's welcome and KVS's GetIceServerConfig.
 */
export interface AdvertisedStunTurn {
  /** Host clients should use for STUN/TURN URLs: the configured public address, else the Host header's. */
  readonly advertisedHost: (hostHeader: string | undefined) => string;
  readonly stunPort: number;
  /** TURN over TLS port, when it listens. */
  readonly tlsPort: number | undefined;
}

/** A Host header without its port: `[::1]:8443` -> `::1`, `example.org:80` -> `example.org`. */
export function hostOnly(hostHeader: string): string {
  const m = /^\[([^\]]+)\]/.exec(hostHeader);
  if (m) return m[1] as string;
  return hostHeader.replace(/:\d+$/, '');
}

/** `stun:HOST:PORT`, and TURN over UDP, TCP and (when it listens) TLS. */
export function stunTurnUrls(
  o: AdvertisedStunTurn,
  hostHeader: string | undefined,
): { stun: string; turn: string[] } {
  const h = o.advertisedHost(hostHeader === undefined ? undefined : hostOnly(hostHeader));
  const host = h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
  const hp = `${host}:${o.stunPort}`;
  const turn = [`turn:${hp}?transport=udp`, `turn:${hp}?transport=tcp`];
  if (o.tlsPort !== undefined) turn.push(`turns:${host}:${o.tlsPort}?transport=tcp`);
  return { stun: `stun:${hp}`, turn };
}
