/**
 * The node's TURN allocation (at most one, made on first need): a relayed candidate for connections
 * that found no direct pair while UDP works on both sides. It runs @peerlink/p2p's sans-IO
 * TurnClient on the node's primary socket: datagrams from the TURN server go to the client first,
 * peer data it unwraps comes back into the mux as if it had arrived on via TURN_VIA, and sends on
 * TURN_VIA leave through the allocation.
 */
import { TURN_VIA, TurnClient, type Candidate } from '@peerlink/p2p';
import type { TransportAddress } from '@peerlink/wire';
import { stunAddress } from './stun-address.js';
import type { Addr, UdpMux } from './udp-mux.js';

type IceServer = { urls: string[]; username?: string; credential?: string };

const now = (): number => Math.floor(performance.now());
const ALLOCATE_TIMEOUT_MS = 5000;

export class NodeTurn {
  #client: TurnClient | undefined;
  #relayed: Promise<Candidate | undefined> | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #permitted = new Set<string>();
  /** Peer IPs the server granted a permission for. */
  readonly #granted = new Set<string>();
  /** Sends refused locally: no permission (yet, or refused by the server), or no allocation. */
  dropped = 0;
  /** Peers to permit, kept from before the allocation exists. */
  readonly #wanted = new Map<string, Addr>();
  #onAllocated: ((c: Candidate | undefined) => void) | undefined;

  constructor(
    private readonly mux: UdpMux,
    private readonly iceServers: () => readonly IceServer[],
    private readonly serverUrl: string,
  ) {}

  /** The relayed candidate, allocating on the first call; undefined without a usable TURN server. */
  candidate(): Promise<Candidate | undefined> {
    return (this.#relayed ??= this.#allocate());
  }

  /** Lets these peers' addresses through the allocation (a permission per IP). */
  permit(peers: readonly Addr[]): void {
    for (const p of peers) if (!p.address.includes(':')) this.#wanted.set(p.address, p);
    const c = this.#client;
    if (!c) return;
    for (const p of this.#wanted.values()) {
      if (p.address.includes(':') || this.#permitted.has(p.address)) continue;
      this.#permitted.add(p.address);
      try {
        c.permit({ family: 4, address: p.address, port: p.port }, now());
      } catch {
        return; // the allocation failed or closed: nothing to permit through
      }
    }
    this.#pump();
  }

  close(): void {
    clearTimeout(this.#timer);
    const c = this.#client;
    if (c) {
      c.close(now());
      this.#pump();
    }
    this.mux.setVirtual(TURN_VIA, undefined);
    this.mux.onServer = undefined;
  }

  async #allocate(): Promise<Candidate | undefined> {
    const server = await this.#server();
    if (!server) return undefined;
    const client = new TurnClient({
      server: server.address,
      username: server.username,
      password: server.password,
    });
    this.#client = client;
    const at = server.address;
    this.mux.onServer = (bytes, from) =>
      from.address === at.address && from.port === at.port && this.#feed(bytes);
    this.mux.setVirtual(TURN_VIA, {
      send: (bytes, to) => {
        // Only towards peers the server let us permit: anything else is a counted drop, never a throw.
        if (!this.#granted.has(to.address) || client.state !== 'allocated') return void this.dropped++;
        try {
          client.sendTo({ family: 4, address: to.address, port: to.port }, bytes, now());
        } catch {
          this.dropped++;
        }
        this.#pump();
      },
    });
    const allocated = new Promise<Candidate | undefined>((resolve) => {
      this.#onAllocated = resolve;
      setTimeout(() => resolve(undefined), ALLOCATE_TIMEOUT_MS).unref();
    });
    client.start(now());
    this.permit([]);
    return allocated;
  }

  #feed(bytes: Uint8Array): boolean {
    const used = this.#client?.handleDatagram(bytes, now()) ?? false;
    if (used) this.#pump();
    return used;
  }

  #pump(): void {
    const c = this.#client;
    if (!c) return;
    for (const b of c.takeOutput()) this.mux.send(b, c.server);
    for (const e of c.takeEvents()) {
      if (e.type === 'allocated')
        this.#onAllocated?.({ type: 'relay', address: e.relayed.address, port: e.relayed.port });
      else if (e.type === 'failed') this.#onAllocated?.(undefined);
      else if (e.type === 'permitted') this.#granted.add(e.peer.address);
      else if (e.type === 'permit-failed') this.#granted.delete(e.peer.address);
      else if (e.type === 'data')
        this.mux.receive(e.bytes, { address: e.peer.address, port: e.peer.port }, TURN_VIA);
    }
    clearTimeout(this.#timer);
    const due = c.nextTimeout();
    if (due === undefined) return;
    this.#timer = setTimeout(
      () => {
        c.handleTimer(now());
        this.#pump();
      },
      Math.max(0, due - now()),
    );
    this.#timer.unref();
  }

  /** The first `turn:…?transport=udp` of the welcome's ICE servers, with its REST credentials. */
  async #server(): Promise<{ address: TransportAddress; username: string; password: string } | undefined> {
    for (const s of this.iceServers()) {
      if (!s.username || !s.credential) continue;
      for (const url of s.urls) {
        const m = /^turn:([^?]+)(\?transport=udp)?$/.exec(url);
        if (!m) continue;
        const addr = await stunAddress(m[1] as string, this.serverUrl);
        if (addr) return { address: { family: 4, ...addr }, username: s.username, password: s.credential };
      }
    }
    return undefined;
  }
}
