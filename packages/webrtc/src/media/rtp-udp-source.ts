/**
 * RTP from a local UDP port, forwarded without transcoding: what `ffmpeg ... -f rtp
 * rtp://127.0.0.1:5004` or GStreamer's udpsink send. Each datagram that is RTP (RFC 3550 §5.1:
 * version 2, a 12-byte header plus its CSRCs) goes to the track as it came; anything else (RTCP
 * from the sender, noise) is a counted drop. Binds 127.0.0.1 unless told otherwise.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { codecInfo, type CodecName } from './codecs.js';
import { sourceTrack, type MediaSource } from './source.js';

/** True when `b` has an RTP header (version 2, not an RTCP packet type 200-204 in the PT byte). */
export function looksLikeRtp(b: Uint8Array): boolean {
  if (b.length < 12 || b[0]! >> 6 !== 2) return false;
  const pt = b[1]! & 0x7f;
  if (pt >= 72 && pt <= 76) return false; // RTCP SR..APP (200-204) with the marker bit
  const csrc = b[0]! & 0x0f;
  return b.length >= 12 + 4 * csrc;
}

export async function rtpUdpSource(o: {
  port: number;
  codec: CodecName;
  host?: string;
}): Promise<MediaSource & { readonly port: number }> {
  const track = sourceTrack(o.codec);
  const socket: Socket = createSocket(o.host?.includes(':') ? 'udp6' : 'udp4');
  let packets = 0;
  let dropped = 0;
  socket.on('message', (msg) => {
    if (!looksLikeRtp(msg)) return void dropped++;
    packets++;
    track.writeRtp(msg);
  });
  socket.bind(o.port, o.host ?? '127.0.0.1');
  await once(socket, 'listening');
  return {
    kind: codecInfo(o.codec).kind,
    codec: o.codec,
    track,
    port: socket.address().port,
    get packets() {
      return packets;
    },
    get dropped() {
      return dropped;
    },
    close: () => {
      track.stop();
      socket.close();
    },
  };
}
