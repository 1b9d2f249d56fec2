/**
 * The seed's media constraints (003, "媒体约束") as getUserMedia constraints and as the `constraints`
 * of a `call.offer`, and the `network_stats` of a `call.status` read from RTCPeerConnection.getStats.
 */

export type CallType = 'audio' | 'video';

/** 48 kHz, echo cancellation, noise suppression, auto gain; 1280x720 at 30 fps. */
export function mediaConstraints(type: CallType): MediaStreamConstraints {
  return {
    audio: { sampleRate: 48_000, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    video:
      type === 'video' ? { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } } : false,
  };
}

/** The offer's `constraints`, in the seed's nested shape. */
export function offerConstraints(type: CallType) {
  return {
    audio: {
      enabled: true,
      codecs: ['opus', 'PCMU', 'PCMA'] as ('opus' | 'PCMU' | 'PCMA')[],
      sample_rate: 48_000 as const,
      echo_cancellation: true,
      noise_suppression: true,
      auto_gain_control: true,
    },
    video: {
      enabled: type === 'video',
      codecs: ['VP8', 'VP9', 'H264'] as ('VP8' | 'VP9' | 'H264')[],
      resolution: { width: 1280, height: 720 },
      frame_rate: 30,
    },
    network: { fallback_to_audio: true },
  };
}

/**
 * The camera and microphone for a call of `type`; with `fallback_to_audio`, a video call whose camera
 * cannot be had goes on as an audio call (the returned type says which).
 */
export async function openMedia(
  type: CallType,
  getUserMedia: (c: MediaStreamConstraints) => Promise<MediaStream>,
): Promise<{ stream: MediaStream; type: CallType }> {
  try {
    return { stream: await getUserMedia(mediaConstraints(type)), type };
  } catch (err) {
    if (type !== 'video') throw err;
    return { stream: await getUserMedia(mediaConstraints('audio')), type: 'audio' };
  }
}

export type NetworkStats = {
  packet_loss?: number;
  jitter?: number;
  rtt?: number;
};

/** Loss over everything received, the worst jitter (ms), and the selected pair's round trip (ms). */
export function networkStats(report: RTCStatsReport): NetworkStats {
  let received = 0;
  let lost = 0;
  let jitter: number | undefined;
  let rtt: number | undefined;
  report.forEach((s: Record<string, unknown>) => {
    if (s['type'] === 'inbound-rtp') {
      received += Number(s['packetsReceived'] ?? 0);
      lost += Math.max(0, Number(s['packetsLost'] ?? 0));
      if (typeof s['jitter'] === 'number') jitter = Math.max(jitter ?? 0, s['jitter'] * 1000);
    }
    if (s['type'] === 'candidate-pair' && s['nominated'] && typeof s['currentRoundTripTime'] === 'number')
      rtt = s['currentRoundTripTime'] * 1000;
  });
  return {
    ...(received + lost > 0 && { packet_loss: lost / (received + lost) }),
    ...(jitter !== undefined && { jitter: Math.round(jitter * 10) / 10 }),
    ...(rtt !== undefined && { rtt: Math.round(rtt * 10) / 10 }),
  };
}

/** A word for the seed's `audio_quality`/`video_quality` from the loss. */
export const quality = (s: NetworkStats): 'good' | 'fair' | 'poor' =>
  (s.packet_loss ?? 0) < 0.02 ? 'good' : (s.packet_loss ?? 0) < 0.05 ? 'fair' : 'poor';
