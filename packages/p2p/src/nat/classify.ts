/**
 * Pure NAT classification from RFC 5780 test observations (RFC 4787 vocabulary). Fed samples, tested
 * without a network; nat/probe.ts gathers the samples. `null` means the tests could not decide, and
 * `reasons` says why.
 */
import { formatTransportAddress, type TransportAddress } from '@peerlink/wire';

export type Behaviour = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';
export type PortAllocation = 'preserving' | 'sequential' | 'random';

/** The exact JSON `peerlink nat --json` prints. */
export interface NatReport {
  udp: boolean;
  publicAddress: string | null;
  mapping: Behaviour | null;
  filtering: Behaviour | null;
  portAllocation: PortAllocation | null;
  hairpinning: boolean | null;
  ipv6: boolean;
}

export interface NatObservations {
  /** Test I: Binding to the primary address. undefined = no answer at all. */
  readonly primary?: {
    readonly mapped: TransportAddress;
    readonly otherAddress?: TransportAddress | undefined;
  };
  /** Mapping test II (alternate IP, primary port) and III (alternate IP and port); null = no answer. */
  readonly mappedViaAltIp?: TransportAddress | null;
  readonly mappedViaAltIpPort?: TransportAddress | null;
  /** Filtering test II (CHANGE-REQUEST ip+port) and III (port only): was an answer received? */
  readonly answeredChangeIpPort?: boolean;
  readonly answeredChangePort?: boolean;
  /** Local port and mapped port of successive new mappings, in the order they were created. */
  readonly portSamples: readonly { readonly local: number; readonly mapped: number }[];
  readonly hairpinning?: boolean;
  readonly ipv6: boolean;
}

export interface Classification {
  readonly report: NatReport;
  readonly reasons: string[];
}

const same = (a: TransportAddress, b: TransportAddress): boolean =>
  a.address === b.address && a.port === b.port;

/** Largest step between consecutive mapped ports still called sequential (other traffic may interleave). */
export const SEQUENTIAL_MAX_STEP = 16;

export function classifyPortAllocation(
  samples: readonly { readonly local: number; readonly mapped: number }[],
): PortAllocation | null {
  if (samples.length === 0) return null;
  if (samples.every((s) => s.local === s.mapped)) return 'preserving';
  const mapped = samples.map((s) => s.mapped);
  if (mapped.length < 3) return null;
  let sequential = true;
  for (let i = 1; i < mapped.length; i++) {
    const step = Math.abs((mapped[i] as number) - (mapped[i - 1] as number));
    if (step === 0 || step > SEQUENTIAL_MAX_STEP) sequential = false;
  }
  return sequential ? 'sequential' : 'random';
}

export function classifyNat(obs: NatObservations): Classification {
  const reasons: string[] = [];
  const report: NatReport = {
    udp: false,
    publicAddress: null,
    mapping: null,
    filtering: null,
    portAllocation: null,
    hairpinning: null,
    ipv6: obs.ipv6,
  };
  if (!obs.primary) {
    reasons.push('udp: no answer from the STUN server over UDP (blocked, or the server is down)');
    return { report, reasons };
  }
  report.udp = true;
  const m1 = obs.primary.mapped;
  report.publicAddress = formatTransportAddress(m1);

  if (!obs.primary.otherAddress) {
    reasons.push('mapping, filtering: the server has no alternate address (RFC 5780 OTHER-ADDRESS missing)');
  } else {
    if (obs.mappedViaAltIp === undefined || obs.mappedViaAltIp === null) {
      reasons.push('mapping: no answer from the alternate address');
    } else if (same(obs.mappedViaAltIp, m1)) {
      report.mapping = 'endpoint-independent';
    } else if (obs.mappedViaAltIpPort === undefined || obs.mappedViaAltIpPort === null) {
      reasons.push('mapping: no answer from the alternate address and port');
    } else {
      report.mapping = same(obs.mappedViaAltIpPort, obs.mappedViaAltIp)
        ? 'address-dependent'
        : 'address-and-port-dependent';
    }
    if (obs.answeredChangeIpPort === true) report.filtering = 'endpoint-independent';
    else if (obs.answeredChangeIpPort === false && obs.answeredChangePort !== undefined) {
      report.filtering = obs.answeredChangePort ? 'address-dependent' : 'address-and-port-dependent';
    } else reasons.push('filtering: the tests did not run');
  }

  report.portAllocation = classifyPortAllocation(obs.portSamples);
  if (report.portAllocation === null) reasons.push('portAllocation: too few samples to tell');
  if (obs.hairpinning === undefined) reasons.push('hairpinning: the test did not run');
  else report.hairpinning = obs.hairpinning;
  return { report, reasons };
}
