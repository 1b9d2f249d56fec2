/**
 * The TURN secrets and the operator's ICE servers in force. Read at every use (GetIceServerConfig,
 * the peer protocol's TURN credentials, the TURN server's own checks) and replaced on a reload
 * (SIGHUP, `POST /admin/reload`), so a rotated secret applies without a restart.
 *
 * Rotation: list the new secret first and keep the old one after it for as long as credentials
 * minted with it may still be refreshed; new credentials are always minted with the first.
 */
export interface ExternalIceServer {
  readonly uri: string;
  readonly secret: string;
}

/** What a client's ICE configuration is made from. */
export interface IceSource {
  /** The secret new TURN REST credentials are minted with. */
  readonly turnSecret: string;
  /** --ice-server: handed out instead of this server's TURN when not empty. */
  readonly external: readonly ExternalIceServer[];
}

export interface IceValues {
  /** Every secret this server's TURN accepts, the minting one first. */
  readonly turnSecrets: readonly string[];
  readonly external: readonly ExternalIceServer[];
}

export class IceSettings implements IceSource {
  #v: IceValues;

  constructor(initial: IceValues) {
    if (initial.turnSecrets.length === 0) throw new Error('IceSettings: at least one TURN secret');
    this.#v = initial;
  }

  get turnSecret(): string {
    return this.#v.turnSecrets[0] as string;
  }

  get turnSecrets(): readonly string[] {
    return this.#v.turnSecrets;
  }

  get external(): readonly ExternalIceServer[] {
    return this.#v.external;
  }

  /**
   * Puts `next` in force. True when what clients are handed changed (the minting secret or the
   * external servers): their credentials should be fetched again (KVS RECONNECT_ICE_SERVER).
   */
  replace(next: IceValues): boolean {
    if (next.turnSecrets.length === 0) throw new Error('IceSettings: at least one TURN secret');
    const before = this.#v;
    this.#v = next;
    return (
      before.turnSecrets[0] !== next.turnSecrets[0] ||
      JSON.stringify(before.external) !== JSON.stringify(next.external)
    );
  }
}
