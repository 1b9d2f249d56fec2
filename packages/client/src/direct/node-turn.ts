/**
 * The node's TURN allocation (at most one, made on first need): a relayed candidate for connections
 * that found no direct pair while UDP works on both sides. @peerlink/p2p's runTurnClient drives the
 * TurnClient over the node's primary socket: datagrams from the TURN server are offered to it first
 * (what it does not take goes on through the mux), peer data it unwraps comes back into the mux as
 * if it had arrived on via TURN_VIA, and sends on TURN_VIA leave through the allocation.
 */
import {
  isIpv6,
  runTurnClient,
  TURN_VIA,
  TurnClient,
  type Candidate,
  type DatagramSocket,
  type RunningTurnClient,
  type TurnClientEvent,
} from '@peerlink/p2p';
import { monotonicClock } from '@peerlink/transport/node';
import type { TransportAddress } from '@peerlink/wire';
import type { WelcomeMsg } from '../signaling-client.js';
import { stunAddress } from './stun-address.js';
import type { Addr, UdpMux } from './udp-mux.js';

const ALLOCATE_TIMEOUT_MS = 5000;

export class NodeTurn {
  #run: RunningTurnClient | undefined;
  #relayed: Promise<Candidate | undefined> | undefined;
  /** Peer IPs to permit, kept from before the allocation exists, and those already asked for. */
  readonly #wanted = new Map<string, Addr>();
  readonly #permitted = new Set<string>();
  /** Peer IPs the server granted a permission for. */
  readonly #granted = new Set<string>();
  /** Cleared by the runner when a datagram from the server was not the TURN client's. */
  #taken = true;
  /** Sends refused locally: no permission (yet, or refused by the server), or no allocation. */
  dropped = 0;

  constructor(
    private readonly mux: UdpMux,
    private readonly iceServers: () => readonly WelcomeMsg['iceServers'][number][],
    private readonly serverUrl: string,
  ) {}

  /** The relayed candidate, allocating on the first call; undefined without a usable TURN server. */
  candidate(): Promise<Candidate | undefined> {
    return (this.#relayed ??= this.#allocate());
  }

  /** Lets these peers' addresses through the allocation (a permission per IP). */
  permit(peers: readonly Addr[]): void {
    for (const p of peers) if (!isIpv6(p.address)) this.#wanted.set(p.address, p);
    const run = this.#run;
    if (!run) return;
    for (const p of this.#wanted.values()) {
      if (this.#permitted.has(p.address)) continue;
      this.#permitted.add(p.address);
      try {
        run.permit({ family: 4, address: p.address, port: p.port });
      } catch {
        return; // the allocation failed or closed: nothing to permit through
      }
    }
  }

  close(): void {
    void this.#run?.close();
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
    const run = runTurnClient(client, this.#socket(server.address), {
      now: monotonicClock,
      onEvent: (e) => this.#onEvent(e),
      onOtherDatagram: () => (this.#taken = false),
    });
    this.#run = run;
    this.mux.setVirtual(TURN_VIA, {
      send: (bytes, to) => {
        // Only towards peers the server let us permit: anything else is a counted drop, never a throw.
        if (!this.#granted.has(to.address) || client.state !== 'allocated') return void this.dropped++;
        try {
          run.sendTo({ family: 4, address: to.address, port: to.port }, bytes);
        } catch {
          this.dropped++;
        }
      },
    });
    this.permit([]);
    const timeout = new Promise<undefined>((resolve) =>
      setTimeout(() => resolve(undefined), ALLOCATE_TIMEOUT_MS).unref(),
    );
    const allocated = run.allocated().then(
      (a): Candidate => ({ type: 'relay', address: a.relayed.address, port: a.relayed.port }),
      () => undefined,
    );
    return Promise.race([allocated, timeout]);
  }

  /**
   * The primary socket as runTurnClient sees it: datagrams from the TURN server are handed to it
   * first, and the mux goes on with whatever it did not take (a Binding response while gathering).
   */
  #socket(at: TransportAddress): DatagramSocket {
    return this.mux.view((handler) => {
      this.mux.onServer = (bytes, from) => {
        if (from.address !== at.address || from.port !== at.port) return false;
        this.#taken = true;
        handler(bytes, from);
        return this.#taken;
      };
    });
  }

  #onEvent(e: TurnClientEvent): void {
    if (e.type === 'permitted') this.#granted.add(e.peer.address);
    else if (e.type === 'permit-failed') this.#granted.delete(e.peer.address);
    else if (e.type === 'data')
      this.mux.receive(e.bytes, { address: e.peer.address, port: e.peer.port }, TURN_VIA);
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
