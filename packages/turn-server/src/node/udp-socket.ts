/**
 * The UDP sockets of the TURN server (the STUN/TURN port, clients' own sockets, the relays), made
 * one way: large kernel buffers, and a synchronous address "lookup". Node's dgram resolves the
 * destination of every `send` through `dns.lookup`, which answers an IP literal on the next tick: a
 * closure and a `process.nextTick` per datagram. The server only ever sends to IP literals
 * (addresses it read from sockets or from XOR-PEER-ADDRESS), so the lookup hands the literal back.
 */
import { createSocket, type Socket as UdpSocket, type SocketOptions } from 'node:dgram';

type Lookup = NonNullable<SocketOptions['lookup']>;
/** dgram passes the family (4 or 6) where dns.lookup takes options: typed loosely for that. */
const literal: Lookup = (address, family, callback) =>
  callback(null, address, (family as unknown) === 6 ? 6 : 4);

export function createUdpSocket(
  family: 4 | 6,
  bufferBytes: number,
  opts: { ipv6Only?: boolean; reusePort?: boolean } = {},
): UdpSocket {
  return createSocket({
    type: family === 6 ? 'udp6' : 'udp4',
    ipv6Only: opts.ipv6Only ?? false,
    reusePort: opts.reusePort ?? false,
    recvBufferSize: bufferBytes,
    sendBufferSize: bufferBytes,
    lookup: literal,
  });
}
