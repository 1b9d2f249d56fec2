/**
 * Maps the master's host candidate ports on its gateway with the SDK's port mapping (`mapPort` of
 * @peerlink/p2p: PCP, then NAT-PMP, then UPnP-IGD) and turns each mapping into a candidate to
 * trickle (mapped-candidate.ts). One mapping per internal port, asked once, released on close. A
 * gateway that grants nothing costs one attempt per port and yields no candidate.
 */
import { mapPort, type MapPortOptions, type PortMapping } from '@peerlink/p2p';
import type { CandidateInit } from '../sdp/candidate.js';
import { mappableHost, mappedCandidate } from './mapped-candidate.js';

export type MapPortFn = (o: MapPortOptions) => Promise<PortMapping | undefined>;

export interface GatewayMapperOptions {
  /** Default: the SDK's `mapPort` against the default route's gateway. */
  readonly mapPort?: MapPortFn;
  /** Passed to each `mapPort` call (gateway, protocols, lifetime, timeout). */
  readonly mapOptions?: Omit<MapPortOptions, 'internalPort' | 'internalAddress'>;
  /** Told of every mapping granted (or of the failure to ask). */
  readonly onMapping?: (m: PortMapping) => void;
  readonly onError?: (e: Error) => void;
}

export class GatewayMapper {
  readonly #byPort = new Map<number, Promise<PortMapping | undefined>>();
  #closed = false;

  constructor(private readonly o: GatewayMapperOptions = {}) {}

  /** The port-mapped candidates to add for a local candidate (none for anything but IPv4 UDP host). */
  async candidatesFor(local: CandidateInit): Promise<CandidateInit[]> {
    const host = mappableHost(local);
    if (host === undefined || this.#closed) return [];
    let m = this.#byPort.get(host.port);
    if (m === undefined) {
      const map = this.o.mapPort ?? mapPort;
      m = map({ ...this.o.mapOptions, internalPort: host.port, internalAddress: host.address }).then(
        (x) => (x !== undefined && this.o.onMapping?.(x), x),
        (e: Error) => (this.o.onError?.(e), undefined),
      );
      this.#byPort.set(host.port, m);
    }
    const mapping = await m;
    if (mapping === undefined) return [];
    const c = mappedCandidate(local, { address: mapping.external.address, port: mapping.external.port });
    return c === undefined ? [] : [c];
  }

  /** Releases every mapping granted; later calls map nothing. */
  async close(): Promise<void> {
    this.#closed = true;
    const all = await Promise.all(this.#byPort.values());
    this.#byPort.clear();
    await Promise.all(all.map((m) => m?.release().catch(() => {})));
  }
}
