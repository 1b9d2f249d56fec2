/**
 * A UDP forwarder that changes the source port its client appears from, on demand: what a NAT does
 * when its binding for the client expires and a new one is made (a "NAT rebinding"), the address
 * change QUIC connection migration must survive. The client talks to `port` on `host`; the rebinder
 * forwards each datagram to the target from its upstream socket and the answers back to the client.
 * `rebind()` swaps the upstream socket for a fresh one on another port: the target sees the same
 * connection arrive from a new address. Datagrams in flight to the old socket are lost, as at a NAT.
 */
import { createSocket, type Socket } from 'node:dgram';

export interface UdpRebinder {
  /** The port clients send to. */
  readonly port: number;
  /** The source port the target sees now. */
  readonly upstreamPort: number;
  /** Datagrams forwarded each way. */
  readonly forwarded: { readonly toTarget: number; readonly toClient: number };
  /** A new upstream socket on a new port; resolves with that port. */
  rebind(): Promise<number>;
  close(): Promise<void>;
}

export interface UdpRebinderOptions {
  readonly targetHost: string;
  readonly targetPort: number;
  /** Where to listen for the client and bind upstream sockets (default 127.0.0.1). */
  readonly host?: string;
}

const bound = (s: Socket, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind(0, host, () => {
      s.off('error', reject);
      resolve(s.address().port);
    });
  });

export async function startUdpRebinder(o: UdpRebinderOptions): Promise<UdpRebinder> {
  const host = o.host ?? '127.0.0.1';
  const front = createSocket('udp4');
  const port = await bound(front, host);
  let client: { address: string; port: number } | undefined;
  const counts = { toTarget: 0, toClient: 0 };
  let upstream: Socket;
  let upstreamPort = 0;
  const openUpstream = async (): Promise<number> => {
    const s = createSocket('udp4');
    const p = await bound(s, host);
    s.on('message', (msg) => {
      if (s !== upstream || !client) return;
      counts.toClient++;
      front.send(msg, client.port, client.address);
    });
    s.on('error', () => {}); // an ICMP unreachable from the target: UDP carries on
    upstream = s;
    upstreamPort = p;
    return p;
  };
  await openUpstream();
  front.on('message', (msg, from) => {
    client = { address: from.address, port: from.port };
    counts.toTarget++;
    upstream.send(msg, o.targetPort, o.targetHost);
  });
  front.on('error', () => {});
  return {
    port,
    get upstreamPort() {
      return upstreamPort;
    },
    forwarded: counts,
    async rebind() {
      const old = upstream;
      const p = await openUpstream();
      old.close();
      return p;
    },
    close: async () => {
      await Promise.all([front, upstream].map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}
