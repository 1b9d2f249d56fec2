/**
 * Paths and the glue between paths and a session (docs/transport.md, "Paths" and "Sessions").
 *
 * A {@link Path} moves datagrams between two peers: the relay WebSocket, a direct UDP socket, a TURN
 * allocation. {@link PathSession} feeds every path's datagrams to one {@link Session} and sends the
 * session's datagrams on the path the selector chose. It reads time from an injected clock and
 * leaves the timer to its owner (`nextWakeAt`/`tick`), so tests run it on a fake clock and
 * node/run-session.ts runs it on real timers.
 */
import { TransportError } from './errors.js';
import { type Session } from './session/session.js';
import { type SessionEvent } from './session/session-types.js';

export interface PathStats {
  /** Round-trip time as its owner measures it (ICE checks, keepalives), if known. */
  rttMs: number | undefined;
  /** Fraction of datagrams lost, if known. */
  loss: number | undefined;
}

export interface Path {
  /** Stable while the path lives: 'relay', 'udp:198.51.100.7:40312', ... */
  readonly id: string;
  /** The largest datagram it carries whole. */
  readonly mtu: number;
  /** Best effort: may drop, reorder or duplicate; never blocks or throws for network trouble. */
  send(bytes: Uint8Array): void;
  /** Replaces the previous handler. */
  onDatagram(handler: (bytes: Uint8Array) => void): void;
  stats(): PathStats;
  close(): void;
}

export class PathSession {
  private readonly paths = new Map<string, Path>();
  private selectedId: string | undefined;
  /** Datagrams the session produced while no path was selected (lost; KCP repeats what matters). */
  unsent = 0;
  private activity: () => void = () => {};

  constructor(
    readonly session: Session,
    private readonly clock: () => number,
    private readonly onEvent: (event: SessionEvent) => void,
    private readonly sessionMtu: number,
  ) {}

  /** Adds a path: its datagrams reach the session from now on. Selecting it is separate. */
  addPath(path: Path): void {
    this.paths.set(path.id, path);
    path.onDatagram((bytes) => {
      this.session.receive(bytes, this.clock());
      this.flush();
    });
  }

  removePath(id: string): void {
    const path = this.paths.get(id);
    if (!path) return;
    path.onDatagram(() => {});
    this.paths.delete(id);
    if (this.selectedId === id) this.selectedId = undefined;
  }

  /** The path selector's decision: send on `id` from now on. Nothing is reset. */
  select(id: string): void {
    const path = this.paths.get(id);
    if (!path) throw new TransportError('TRANSPORT_UNKNOWN_PATH', `no path ${id}`);
    if (path.mtu < this.sessionMtu) {
      throw new TransportError(
        'TRANSPORT_UNKNOWN_PATH',
        `path ${id} mtu ${path.mtu} < session mtu ${this.sessionMtu}`,
      );
    }
    this.selectedId = id;
  }

  get selected(): string | undefined {
    return this.selectedId;
  }

  start(): void {
    this.session.start(this.clock());
    this.flush();
  }

  /** Runs the session's timers; call at `nextWakeAt()`. */
  tick(): void {
    this.session.update(this.clock());
    this.flush();
  }

  nextWakeAt(): number {
    return this.session.nextWakeAt(this.clock());
  }

  /** Called after every flush: the owner re-arms its timer (node/run-path-session.ts). */
  onActivity(fn: () => void): void {
    this.activity = fn;
  }

  /** Session calls with the clock's time, flushed at once. See {@link Session} for each. */
  sendMessage(data: Uint8Array): void {
    this.session.sendMessage(data, this.clock());
    this.flush();
  }

  sendDatagram(data: Uint8Array): void {
    this.session.sendDatagram(data, this.clock());
    this.flush();
  }

  openStream(): number {
    return this.session.openStream();
  }

  writeStream(stream: number, data: Uint8Array): void {
    this.session.writeStream(stream, data, this.clock());
    this.flush();
  }

  endStream(stream: number): void {
    this.session.endStream(stream, this.clock());
    this.flush();
  }

  /** Sends what the session produced on the selected path and hands events to the owner. */
  flush(): void {
    const path = this.selectedId === undefined ? undefined : this.paths.get(this.selectedId);
    for (const bytes of this.session.takeOutput()) {
      if (path) path.send(bytes);
      else this.unsent++;
    }
    for (const event of this.session.takeEvents()) this.onEvent(event);
    this.activity();
  }
}
