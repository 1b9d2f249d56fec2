/**
 * RTCP statistics of one peer connection, from werift's getStats: what this side received (RTP
 * counters, loss and jitter it computed) and what the remote reported about what this side sent
 * (receiver reports: fraction lost, round-trip time from LSR/DLSR, RFC 3550 §6.4.1), plus the
 * selected candidate pair's types (host, srflx, prflx, relay) and its STUN round-trip time.
 */
import type { RTCPeerConnection } from 'werift';

export interface InboundStats {
  readonly kind: string;
  readonly ssrc: number;
  readonly packetsReceived: number;
  readonly bytesReceived: number;
  readonly packetsLost: number;
  /** Seconds (RFC 3550 §6.4.1 interarrival jitter over the clock rate). */
  readonly jitter: number;
}

export interface OutboundStats {
  readonly kind: string;
  readonly ssrc: number;
  readonly packetsSent: number;
  readonly bytesSent: number;
  /** From the remote's last receiver report, 0..1; undefined before the first report. */
  readonly fractionLost: number | undefined;
  /** Seconds, from the remote's last receiver report; undefined before one with an LSR. */
  readonly roundTripTime: number | undefined;
  readonly receiverReports: number;
}

export interface PeerStats {
  readonly inbound: readonly InboundStats[];
  readonly outbound: readonly OutboundStats[];
  readonly selectedPair:
    | {
        local: string;
        remote: string;
        /** `address:port` of each end, as the candidates name them. */
        localAddress: string;
        remoteAddress: string;
        roundTripTime: number | undefined;
      }
    | undefined;
}

type Stat = Record<string, unknown> & { type: string; id: string };
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const opt = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export async function peerStats(pc: RTCPeerConnection): Promise<PeerStats> {
  const report = (await pc.getStats()) as unknown as Map<string, Stat>;
  const all = [...report.values()];
  const remoteInbound = new Map(
    all.filter((s) => s.type === 'remote-inbound-rtp').map((s) => [num(s['ssrc']), s]),
  );
  const inbound = all
    .filter((s) => s.type === 'inbound-rtp')
    .map((s) => ({
      kind: String(s['kind']),
      ssrc: num(s['ssrc']),
      packetsReceived: num(s['packetsReceived']),
      bytesReceived: num(s['bytesReceived']),
      packetsLost: num(s['packetsLost']),
      jitter: num(s['jitter']),
    }));
  const outbound = all
    .filter((s) => s.type === 'outbound-rtp')
    .map((s) => {
      const r = remoteInbound.get(num(s['ssrc']));
      return {
        kind: String(s['kind']),
        ssrc: num(s['ssrc']),
        packetsSent: num(s['packetsSent']),
        bytesSent: num(s['bytesSent']),
        fractionLost: opt(r?.['fractionLost']),
        roundTripTime: opt(r?.['roundTripTime']),
        receiverReports: num(r?.['roundTripTimeMeasurements']),
      };
    });
  const pair = all.find((s) => s.type === 'candidate-pair' && s['nominated'] === true);
  const type = (id: unknown): string => String(report.get(String(id))?.['candidateType'] ?? 'unknown');
  const addr = (id: unknown): string => {
    const c = report.get(String(id));
    return `${String(c?.['address'] ?? '')}:${num(c?.['port'])}`;
  };
  return {
    inbound,
    outbound,
    selectedPair:
      pair === undefined
        ? undefined
        : {
            local: type(pair['localCandidateId']),
            remote: type(pair['remoteCandidateId']),
            localAddress: addr(pair['localCandidateId']),
            remoteAddress: addr(pair['remoteCandidateId']),
            roundTripTime: opt(pair['currentRoundTripTime']),
          },
  };
}
