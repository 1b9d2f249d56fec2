/** The `dgram` implementation of DatagramSocket. */
import { createSocket } from 'node:dgram';
import type { TransportAddress } from '@peerlink/wire';
import type { SocketFactory } from './datagram-socket.js';
import { literalLookup, sendWithTtl } from './node-ttl.js';

export const nodeUdpSocketFactory: SocketFactory = (family) =>
  new Promise((resolve, reject) => {
    const sock = createSocket({ type: family === 6 ? 'udp6' : 'udp4', lookup: literalLookup });
    let handler: (bytes: Uint8Array, from: TransportAddress) => void = () => {};
    sock.once('error', reject);
    sock.on('message', (msg, rinfo) => {
      handler(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), {
        family: rinfo.family === 'IPv6' ? 6 : 4,
        address: rinfo.address,
        port: rinfo.port,
      });
    });
    sock.bind(0, () => {
      sock.off('error', reject);
      // A send to an unreachable address raises an error event later; a probe just times out instead.
      sock.on('error', () => {});
      resolve({
        send(bytes, to, ttl) {
          sendWithTtl(sock, bytes, to.port, to.address, ttl);
        },
        onMessage(h) {
          handler = h;
        },
        local() {
          const a = sock.address();
          return { family: a.family === 'IPv6' ? 6 : 4, address: a.address, port: a.port };
        },
        close() {
          try {
            sock.close();
          } catch {
            // already closed
          }
        },
      });
    });
  });
