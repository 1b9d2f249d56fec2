/**
 * The NAT presets, named and defined by RFC 4787 behaviour. One definition serves both the kernel
 * NAT lab (lab/, nftables in network namespaces) and the in-process simulator (nat-sim.ts), so a
 * preset means the same thing in a unit test and on a real kernel.
 *
 * A preset is a stack of NAT layers from the host outwards (`cgnat` is a home NAT behind a carrier
 * NAT); what a client sees through the stack is its `expectedReport`, the exact fields
 * `peerlink nat --json` must print behind it.
 */
import type { Behaviour, NatReport, PortAllocation } from '@peerlink/p2p';

export type PresetName =
  | 'public'
  | 'full-cone'
  | 'restricted'
  | 'port-restricted'
  | 'symmetric'
  | 'cgnat'
  | 'cgnat-symmetric'
  | 'udp-blocked'
  | 'same-nat'
  | 'symmetric-upnp'
  | 'port-restricted-open'
  | 'symmetric-open'
  | 'cgnat-open';

/** One NAT box (RFC 4787 §4 mapping, §5 filtering, §4.2.1 port allocation). */
export interface NatLayer {
  readonly mapping: Behaviour;
  readonly filtering: Behaviour;
  readonly portAllocation: PortAllocation;
  /** RFC 4787 §6: does a packet from inside to the NAT's own public address come back in? */
  readonly hairpinning: boolean;
  /**
   * The box grants port mappings to its inside (UPnP-IGD, NAT-PMP, PCP): a mapped port is
   * endpoint-independent and unfiltered whatever the box does to other traffic. Absent: no.
   */
  readonly portMapping?: boolean;
  /**
   * What the box does with new UDP from outside aimed at itself (no mapping admits it): `drop` (home
   * and carrier routers, the default) or `accept` (a Linux box or VPS doing nothing but masquerade,
   * many ISP boxes: the kernel answers port unreachable). Accepting confirms a conntrack entry for
   * that outside endpoint, after which the box must give the inside host's own packets towards it
   * another public port: the conntrack clash, docs/hole-punching.md.
   */
  readonly unsolicited?: 'drop' | 'accept';
  /**
   * Plain routers (an ISP's) between this box and the next one out, or the internet: each one takes
   * a unit of a packet's TTL, as on the internet. Absent: 0.
   */
  readonly hopsOutside?: number;
}

export interface Preset {
  readonly name: PresetName;
  readonly summary: string;
  /** NAT layers from the host outwards; empty for a public address. */
  readonly layers: readonly NatLayer[];
  /** Outbound UDP is dropped (TCP still passes: the relay works, direct UDP does not). */
  readonly udpBlocked: boolean;
  /** Both peers of a pair sit behind this one NAT (only meaningful paired with itself). */
  readonly shared: boolean;
  /** Weight of this side in the weighted direct % (issue #5); 0 = not weighted. */
  readonly weight: number;
  /**
   * The preset this one is with routers that accept unsolicited UDP (`unsolicited: 'accept'`) and
   * ISP hops: it takes ACCEPTING_SHARE of that preset's weight in the figure with accepting routers
   * (`weightWithAccepting`), and none in the issue #5 figure, which stays comparable.
   */
  readonly acceptingOf?: PresetName;
}

/** Linux's plain `masquerade`: port-preserving, endpoint-independent mapping, APDF. */
const PORT_RESTRICTED: NatLayer = {
  mapping: 'endpoint-independent',
  filtering: 'address-and-port-dependent',
  portAllocation: 'preserving',
  hairpinning: false,
};
/** The same boxes when they accept unsolicited UDP, each behind one ISP router. */
const OPEN = { unsolicited: 'accept', hopsOutside: 1 } as const;
/** `masquerade random`: a fresh random port per destination endpoint. */
const SYMMETRIC: NatLayer = {
  mapping: 'address-and-port-dependent',
  filtering: 'address-and-port-dependent',
  portAllocation: 'random',
  hairpinning: false,
};

export const PRESETS: Readonly<Record<PresetName, Preset>> = {
  public: {
    name: 'public',
    summary: 'a public address, no NAT, no firewall',
    layers: [],
    udpBlocked: false,
    shared: false,
    weight: 5,
  },
  'full-cone': {
    name: 'full-cone',
    summary: 'EIM/EIF: anyone may send to a mapping once it exists',
    layers: [{ ...PORT_RESTRICTED, filtering: 'endpoint-independent' }],
    udpBlocked: false,
    shared: false,
    weight: 5,
  },
  restricted: {
    name: 'restricted',
    summary: 'EIM/ADF: any port of an address the host has sent to may answer',
    layers: [{ ...PORT_RESTRICTED, filtering: 'address-dependent' }],
    udpBlocked: false,
    shared: false,
    weight: 10,
  },
  'port-restricted': {
    name: 'port-restricted',
    summary: "EIM/APDF: Linux's plain masquerade, most home routers",
    layers: [PORT_RESTRICTED],
    udpBlocked: false,
    shared: false,
    weight: 50,
  },
  symmetric: {
    name: 'symmetric',
    summary: 'endpoint-dependent mapping with random ports, APDF',
    layers: [SYMMETRIC],
    udpBlocked: false,
    shared: false,
    weight: 8,
  },
  cgnat: {
    name: 'cgnat',
    summary: 'a port-restricted home NAT behind an EIM/APDF carrier NAT (RFC 6888)',
    layers: [PORT_RESTRICTED, PORT_RESTRICTED],
    udpBlocked: false,
    shared: false,
    weight: 15,
  },
  'cgnat-symmetric': {
    name: 'cgnat-symmetric',
    summary: 'a port-restricted home NAT behind a carrier NAT with random per-destination mapping',
    layers: [PORT_RESTRICTED, SYMMETRIC],
    udpBlocked: false,
    shared: false,
    weight: 6,
  },
  'udp-blocked': {
    name: 'udp-blocked',
    summary: 'outbound UDP dropped; TCP passes a port-restricted NAT',
    layers: [PORT_RESTRICTED],
    udpBlocked: true,
    shared: false,
    weight: 1,
  },
  'same-nat': {
    name: 'same-nat',
    summary: 'both peers behind one port-restricted NAT without hairpinning',
    layers: [PORT_RESTRICTED],
    udpBlocked: false,
    shared: true,
    weight: 0,
  },
  'symmetric-upnp': {
    name: 'symmetric-upnp',
    summary:
      'a symmetric router (random ports per destination, APDF) that grants port mappings by UPnP-IGD, NAT-PMP and PCP',
    layers: [{ ...SYMMETRIC, portMapping: true }],
    udpBlocked: false,
    shared: false,
    // Not weighted: the weights of issue #5 are fixed; this preset measures port mapping alone.
    weight: 0,
  },
  'port-restricted-open': {
    name: 'port-restricted-open',
    summary: 'port-restricted, the router accepting unsolicited UDP (conntrack clash), behind an ISP router',
    layers: [{ ...PORT_RESTRICTED, ...OPEN }],
    udpBlocked: false,
    shared: false,
    weight: 0,
    acceptingOf: 'port-restricted',
  },
  'symmetric-open': {
    name: 'symmetric-open',
    summary: 'symmetric, the router accepting unsolicited UDP (conntrack clash), behind an ISP router',
    layers: [{ ...SYMMETRIC, ...OPEN }],
    udpBlocked: false,
    shared: false,
    weight: 0,
    acceptingOf: 'symmetric',
  },
  'cgnat-open': {
    name: 'cgnat-open',
    summary: 'cgnat whose routers accept unsolicited UDP, an ISP router after each (two hops)',
    layers: [
      { ...PORT_RESTRICTED, ...OPEN },
      { ...PORT_RESTRICTED, ...OPEN },
    ],
    udpBlocked: false,
    shared: false,
    weight: 0,
    acceptingOf: 'cgnat',
  },
};

/**
 * Share of a preset's routers taken to accept unsolicited UDP, in the figure with accepting routers.
 * A stated assumption, not a survey: Linux or VPS gateways and some ISP boxes, a minority.
 */
export const ACCEPTING_SHARE = 0.2;

/**
 * A side's weight in the figure with accepting routers: an accepting preset takes ACCEPTING_SHARE
 * of its base preset's weight, the base keeps the rest, every other preset keeps its weight. The
 * outcomes of a base and its accepting twin are the same, so the best figure equals issue #5's.
 */
export function weightWithAccepting(preset: Preset): number {
  if (preset.acceptingOf) return PRESETS[preset.acceptingOf].weight * ACCEPTING_SHARE;
  const twin = Object.values(PRESETS).some((p) => p.acceptingOf === preset.name);
  return twin ? preset.weight * (1 - ACCEPTING_SHARE) : preset.weight;
}

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function isPresetName(s: string): s is PresetName {
  return Object.hasOwn(PRESETS, s);
}

const STRICTNESS: readonly Behaviour[] = [
  'endpoint-independent',
  'address-dependent',
  'address-and-port-dependent',
];
const strictest = (xs: readonly Behaviour[]): Behaviour =>
  STRICTNESS[Math.max(...xs.map((x) => STRICTNESS.indexOf(x)))] as Behaviour;

/**
 * A host behind this preset can map a public, endpoint-independent, unfiltered port: every layer of
 * its stack grants mappings (a home router's mapping behind a carrier NAT is not public).
 */
export function grantsPortMapping(preset: Preset): boolean {
  return !preset.udpBlocked && preset.layers.length > 0 && preset.layers.every((l) => l.portMapping === true);
}

/** The fields of `peerlink nat --json` a probe behind this preset must print (publicAddress aside). */
export type ExpectedReport = Pick<
  NatReport,
  'udp' | 'mapping' | 'filtering' | 'portAllocation' | 'hairpinning'
>;

/**
 * What a client sees through a stack of NATs: the strictest mapping and filtering of any layer, ports
 * preserved only if every layer preserves them, hairpinning only without NAT (a stack hairpins only if
 * every layer does, and none of ours does).
 */
export function expectedReport(preset: Preset): ExpectedReport {
  if (preset.udpBlocked) {
    return { udp: false, mapping: null, filtering: null, portAllocation: null, hairpinning: null };
  }
  const ls = preset.layers;
  if (ls.length === 0) {
    return {
      udp: true,
      mapping: 'endpoint-independent',
      filtering: 'endpoint-independent',
      portAllocation: 'preserving',
      hairpinning: true,
    };
  }
  return {
    udp: true,
    mapping: strictest(ls.map((l) => l.mapping)),
    filtering: strictest(ls.map((l) => l.filtering)),
    portAllocation: ls.some((l) => l.portAllocation === 'random')
      ? 'random'
      : ls.every((l) => l.portAllocation === 'preserving')
        ? 'preserving'
        : 'sequential',
    hairpinning: ls.every((l) => l.hairpinning),
  };
}
