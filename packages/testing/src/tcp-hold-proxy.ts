/**
 * A TCP forwarder that can hold what the target sends and then hand it over in one write: what a
 * client finds in its socket when its process was descheduled on a busy machine while several
 * messages arrived, so that one read returns them all (a ws client then emits them in one tick).
 * The client connects to `port` on 127.0.0.1; each connection gets its own upstream connection.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface TcpHoldProxy {
  /** The port clients connect to. */
  readonly port: number;
  /**
   * Holds the target's bytes from the first chunk for which `from` is true until everything held
   * satisfies `until`, then writes all of it to the client at once; resolves with what was written.
   */
  hold(from: (chunk: Buffer) => boolean, until: (held: Buffer) => boolean): Promise<Buffer>;
  close(): Promise<void>;
}

export interface TcpHoldProxyOptions {
  readonly targetHost: string;
  readonly targetPort: number;
}

interface Hold {
  readonly from: (chunk: Buffer) => boolean;
  readonly until: (held: Buffer) => boolean;
  readonly done: (written: Buffer) => void;
  held: Buffer[] | undefined;
}

export async function startTcpHoldProxy(o: TcpHoldProxyOptions): Promise<TcpHoldProxy> {
  const holds: Hold[] = [];
  const sockets = new Set<Socket>();
  const toClient = (client: Socket, chunk: Buffer): void => {
    const h = holds[0];
    if (!h || (!h.held && !h.from(chunk))) {
      client.write(chunk);
      return;
    }
    h.held = [...(h.held ?? []), chunk];
    const all = Buffer.concat(h.held);
    if (!h.until(all)) return;
    holds.shift();
    client.write(all);
    h.done(all);
  };
  const server = createServer((client) => {
    const upstream = connect(o.targetPort, o.targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {}); // the other side's close ends this one too
    }
    client.on('data', (d: Buffer) => upstream.write(d));
    upstream.on('data', (d: Buffer) => toClient(client, d));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port, // listening on TCP: an AddressInfo
    hold: (from, until) =>
      new Promise((done) => {
        holds.push({ from, until, done, held: undefined });
      }),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
