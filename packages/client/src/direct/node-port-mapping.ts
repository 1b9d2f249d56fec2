/**
 * The node's port mapping on its gateway (PCP, then NAT-PMP, then UPnP-IGD: @peerlink/p2p mapPort),
 * asked for in the background at start so gathering never waits for it, renewed at half its
 * lifetime and released at close. A granted mapping is a `mapped` candidate.
 */
import { mapPort, type Candidate, type PortMapping } from '@peerlink/p2p';

export class NodePortMapping {
  #mapping: PortMapping | undefined;
  #renew: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    private readonly internalPort: number,
    private readonly onCandidate: (c: Candidate | undefined) => void,
  ) {}

  start(): void {
    void mapPort({ internalPort: this.internalPort })
      .catch(() => undefined)
      .then((m) => m && this.#use(m));
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#renew);
    void this.#mapping?.release().catch(() => {});
  }

  #use(m: PortMapping): void {
    if (this.#closed) return void m.release().catch(() => {});
    this.#mapping = m;
    this.onCandidate({ type: 'mapped', address: m.external.address, port: m.external.port });
    this.#renew = setTimeout(
      () =>
        void m.renew().then(
          (next) => this.#use(next),
          () => {
            this.#mapping = undefined;
            this.onCandidate(undefined);
          },
        ),
      Math.max(30, m.lifetimeSec / 2) * 1000,
    );
    this.#renew.unref();
  }
}
