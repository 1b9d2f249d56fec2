/**
 * The codecs a master or viewer negotiates (seed 001: Opus, VP8, VP9, H.264, G.711 PCMU/PCMA), as
 * werift's codec parameters and packetizers. Nothing here encodes or decodes: media arrives encoded
 * and leaves as it came.
 */
import {
  H264Packetizer,
  OpusPacketizer,
  PcmaPacketizer,
  PcmuPacketizer,
  useH264,
  useOPUS,
  usePCMA,
  usePCMU,
  useVP8,
  useVP9,
  Vp8Packetizer,
  Vp9Packetizer,
  type Packetizer,
  type RTCRtpCodecParameters,
} from 'werift';

export const CODECS = ['opus', 'pcmu', 'pcma', 'vp8', 'vp9', 'h264'] as const;
export type CodecName = (typeof CODECS)[number];
export type MediaKind = 'audio' | 'video';

interface CodecInfo {
  readonly kind: MediaKind;
  readonly clockRate: number;
  readonly params: () => RTCRtpCodecParameters;
  readonly packetizer: (o: { payloadType: number; ssrc: number }) => Packetizer;
}

const TABLE: Record<CodecName, CodecInfo> = {
  opus: {
    kind: 'audio',
    clockRate: 48000,
    params: () => useOPUS(),
    packetizer: (o) => new OpusPacketizer(o),
  },
  pcmu: { kind: 'audio', clockRate: 8000, params: () => usePCMU(), packetizer: (o) => new PcmuPacketizer(o) },
  pcma: { kind: 'audio', clockRate: 8000, params: () => usePCMA(), packetizer: (o) => new PcmaPacketizer(o) },
  vp8: { kind: 'video', clockRate: 90000, params: () => useVP8(), packetizer: (o) => new Vp8Packetizer(o) },
  vp9: { kind: 'video', clockRate: 90000, params: () => useVP9(), packetizer: (o) => new Vp9Packetizer(o) },
  h264: {
    kind: 'video',
    clockRate: 90000,
    params: () => useH264(),
    packetizer: (o) => new H264Packetizer(o),
  },
};

export const codecInfo = (c: CodecName): CodecInfo => TABLE[c];

export function isCodecName(v: unknown): v is CodecName {
  return typeof v === 'string' && (CODECS as readonly string[]).includes(v);
}

/** werift's `codecs` option for these codecs, by kind, in the order given. */
export function codecConfig(list: readonly CodecName[]): {
  audio: RTCRtpCodecParameters[];
  video: RTCRtpCodecParameters[];
} {
  const out = { audio: [] as RTCRtpCodecParameters[], video: [] as RTCRtpCodecParameters[] };
  for (const c of list) out[TABLE[c].kind].push(TABLE[c].params());
  return out;
}
