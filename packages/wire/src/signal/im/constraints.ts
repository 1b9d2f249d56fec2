/**
 * Media constraints of the IM call protocol (seed 003), in both shapes the seed shows: the flat one of
 * its `call.offer` example (`audio: true`, `audio_codecs`, `video_codecs`, `max_bandwidth`) and the
 * nested `audio`, `video` and `network` objects of its "媒体约束" section. Both may meet in one object
 * (`audio` an object, `max_bandwidth` flat). Strict: a misspelt key is refused with its path, since a
 * constraint the client believes applied and the server ignored is worse than an error.
 */
import { z } from 'zod';

/** Codecs a constraint may name: what WebRTC browsers negotiate (RFC 7874, RFC 7742, AV1 and H.265). */
export const IM_AUDIO_CODECS = ['opus', 'PCMU', 'PCMA', 'G722', 'ISAC', 'iLBC', 'red'] as const;
export const IM_VIDEO_CODECS = ['VP8', 'VP9', 'H264', 'AV1', 'H265'] as const;
export const IM_SAMPLE_RATES = [8000, 16000, 24000, 32000, 44100, 48000] as const;

const bitrate = (min: number, max: number) => z.number().int().min(min).max(max);
const codecs = <T extends readonly [string, ...string[]]>(known: T) =>
  z.array(z.enum(known)).min(1).max(known.length);

export const ImAudioConstraints = z.strictObject({
  enabled: z.boolean().optional(),
  codecs: codecs(IM_AUDIO_CODECS).optional(),
  sample_rate: z.union(IM_SAMPLE_RATES.map((r) => z.literal(r))).optional(),
  channels: z.union([z.literal(1), z.literal(2)]).optional(),
  bitrate: bitrate(6_000, 510_000).optional(),
  echo_cancellation: z.boolean().optional(),
  noise_suppression: z.boolean().optional(),
  auto_gain_control: z.boolean().optional(),
});

export const ImVideoConstraints = z.strictObject({
  enabled: z.boolean().optional(),
  codecs: codecs(IM_VIDEO_CODECS).optional(),
  resolution: z
    .strictObject({ width: z.number().int().min(16).max(7680), height: z.number().int().min(16).max(4320) })
    .optional(),
  frame_rate: z.number().min(1).max(120).optional(),
  bitrate: bitrate(30_000, 50_000_000).optional(),
  aspect_ratio: z
    .string()
    .regex(/^[1-9]\d{0,2}:[1-9]\d{0,2}$/, 'an aspect ratio is W:H, e.g. 16:9')
    .optional(),
});

const bandwidth = bitrate(8_000, 100_000_000);

export const ImNetworkConstraints = z
  .strictObject({
    max_bandwidth: bandwidth.optional(),
    min_bandwidth: bandwidth.optional(),
    prefer_hd: z.boolean().optional(),
    fallback_to_audio: z.boolean().optional(),
  })
  .refine((n) => n.min_bandwidth === undefined || (n.max_bandwidth ?? Infinity) >= n.min_bandwidth, {
    message: 'min_bandwidth is above max_bandwidth',
    path: ['min_bandwidth'],
  });

/**
 * `true`/`false` (the flat shape) or the nested object. Not a z.union: a union reports only "Invalid
 * input" at `audio`, and the client should read which nested field was wrong.
 */
const flagOr = <S extends z.ZodType>(nested: S) =>
  z.custom<boolean | z.output<S>>().superRefine((v, ctx) => {
    if (typeof v === 'boolean') return;
    const r = nested.safeParse(v);
    if (!r.success)
      for (const i of r.error.issues) ctx.addIssue({ code: 'custom', message: i.message, path: i.path });
  });

export const ImConstraints = z.strictObject({
  audio: flagOr(ImAudioConstraints).optional(),
  video: flagOr(ImVideoConstraints).optional(),
  audio_codecs: codecs(IM_AUDIO_CODECS).optional(),
  video_codecs: codecs(IM_VIDEO_CODECS).optional(),
  max_bandwidth: bandwidth.optional(),
  network: ImNetworkConstraints.optional(),
});
export type ImConstraints = z.infer<typeof ImConstraints>;
