/**
 * A workaround for @matrixai/quic 2.0.9's cost per packet (docs/quic-signaling.md, "Throughput"),
 * installed by the server's QUIC worker and by the SDK's quic:// client.
 *
 * The library handles every UDP datagram alone: `recv` takes an async lock (@matrixai/async-locks,
 * which builds an AbortController, a Timer and a timeout error with its stack for every
 * acquisition), hands the datagram to quiche, walks the readable and writable streams, and calls
 * `send`, which drains quiche into datagrams and re-arms the connection timer. Each stream write and
 * each 4 KiB read calls `send` again. A receiver so answers every data packet with its own ACK
 * packet, and a bulk transfer spends its time in this JavaScript (profiled: the lock alone was a
 * sixth of the server worker's time on the relay benchmark).
 *
 * Once a connection has started (while it is not stopping, draining or closed), this
 * replaces both with a coalesced version: `recv` hands the datagram to quiche at once, without the
 * lock (the call is synchronous, so nothing can interleave), and the stream walk and the `send` run
 * once per turn of the event loop (setImmediate) for every datagram read and every write of that
 * turn. The datagrams read from the socket in one poll are then answered by one ACK, and the
 * stream walk and timer re-arm happen once per burst. Handshakes, close and drain keep the
 * library's own code. The library's error handling for `recv` is kept as it is.
 */
import { running, status } from '@matrixai/async-init';
import { QUICConnection, errors, events } from '@matrixai/quic';

interface Remote {
  host: string;
  port: number;
}

/** The parts of a QUICConnection this reaches into (2.0.9's own fields and methods). */
interface Internals {
  readonly [running]: boolean;
  readonly [status]: string | null;
  secureEstablished: boolean;
  readonly localHost: string;
  readonly localPort: number;
  _remoteHost: string;
  _remotePort: number;
  readonly conn: {
    recv(data: Uint8Array, info: { to: Remote; from: Remote }): number;
    localError(): unknown;
    isDraining(): boolean;
    isClosed(): boolean;
  };
  processStreams(): void;
  dispatchEvent(e: Event): boolean;
}

type Recv = (this: Internals, data: Uint8Array, remote: Remote) => Promise<void>;
type Send = (this: Internals) => Promise<void>;

interface Pending {
  readonly done: Promise<void>;
  streams: boolean;
}

const pending = new WeakMap<Internals, Pending>();
let installed = false;

/**
 * Started (a stream that arrives while the server's connection is still starting is refused by the
 * library), not stopping, handshake done, neither draining nor closed.
 */
const fast = (c: Internals): boolean =>
  c[running] && c[status] === null && c.secureEstablished && !c.conn.isDraining() && !c.conn.isClosed();

/** Installs the coalesced recv/send on QUICConnection (once per thread; later calls do nothing). */
export function installQuicFastPath(): void {
  if (installed) return;
  installed = true;
  const proto = QUICConnection.prototype as unknown as { recv: Recv; send: Send };
  const recv = proto.recv;
  const send = proto.send;

  /** The stream walk (after datagrams) and one send, this turn; every caller gets its promise. */
  const schedule = (c: Internals, streams: boolean): Promise<void> => {
    const p = pending.get(c);
    if (p) {
      p.streams ||= streams;
      return p.done;
    }
    const entry: Pending = {
      streams,
      done: new Promise<void>((resolve, reject) => {
        setImmediate(() => {
          pending.delete(c);
          if (entry.streams && fast(c)) c.processStreams();
          send.call(c).then(resolve, (err: unknown) =>
            // Stopped meanwhile: nothing left to send.
            err instanceof errors.ErrorQUICConnectionNotRunning ? resolve() : reject(err as Error),
          );
        });
      }),
    };
    pending.set(c, entry);
    return entry.done;
  };

  proto.send = function (this: Internals): Promise<void> {
    return fast(this) ? schedule(this, false) : send.call(this);
  };

  proto.recv = function (this: Internals, data: Uint8Array, remote: Remote): Promise<void> {
    if (!fast(this)) return recv.call(this, data, remote);
    try {
      this.conn.recv(data, {
        to: { host: this.localHost, port: this.localPort },
        from: { host: remote.host, port: remote.port },
      });
    } catch (e) {
      // As the library's recv: a local error closes the connection (quiche drains it); anything
      // else is internal.
      const localError = this.conn.localError();
      if (localError == null) {
        const err = new errors.ErrorQUICConnectionInternal('Failed connection recv due with unknown error', {
          cause: e,
        });
        this.dispatchEvent(new events.EventQUICConnectionError({ detail: err }));
        return Promise.reject(err);
      }
      const detail =
        (e as Error).message === 'TlsFail'
          ? new errors.ErrorQUICConnectionLocalTLS('Failed connection due to native TLS verification', {
              cause: e,
              data: localError as never,
            })
          : new errors.ErrorQUICConnectionLocal('Failed connection due to local error', {
              cause: e,
              data: localError as never,
            });
      this.dispatchEvent(new events.EventQUICConnectionError({ detail }));
      return Promise.resolve();
    }
    this._remoteHost = remote.host;
    this._remotePort = remote.port;
    // A datagram that closed the connection (the peer's CONNECTION_CLOSE, often right behind its
    // last stream data) ends the fast path: read what the streams hold now, as the library's recv
    // would, since the deferred walk below skips a draining connection and the data would be lost.
    if (this.conn.isDraining() || this.conn.isClosed()) this.processStreams();
    return schedule(this, true);
  };
}
