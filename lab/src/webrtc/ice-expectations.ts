/**
 * What standard ICE (RFC 8445: host, server-reflexive and peer-reflexive candidates, checks both
 * ways, no birthday probing, no port prediction) can make direct for a WebRTC master at preset A
 * and a viewer at preset B, derived from the presets' RFC 4787 behaviours:
 *
 * - a side's server-reflexive candidate is the port the peer must reach only if its NAT maps
 *   endpoint-independently (RFC 4787 §4.1); otherwise its checks leave from a fresh port that the
 *   peer learns as a peer-reflexive candidate only if the packet gets in;
 * - that packet gets in only if the peer's NAT does not filter address-and-port-dependently (§5):
 *   the peer sent its own checks to the srflx port, so an address-dependent filter admits any
 *   port of that address, an APDF one does not;
 * - a router that accepts unsolicited UDP (the `-open` presets) can move the mapping when the
 *   peer's check arrives first, so its srflx port counts as unusable too: behind `port-restricted-open`
 *   and `cgnat-open` ICE gets what it gets behind `symmetric` (direct only with a peer whose filter
 *   admits a fresh port: public, full-cone, restricted), behind `symmetric-open` what it gets behind
 *   `symmetric`. Which check arrives first is timing: in a KVS session the viewer offers, so the
 *   master usually holds the other's candidates first and checks first, and an `-open` master often
 *   keeps its srflx port (README: direct against port-restricted and cgnat viewers); the table
 *   counts only what holds whatever the timing, so those pairs are relay here and a direct result
 *   there is a bonus, never a miss;
 * - so: both EIM, direct (srflx); one side not EIM and the other's filter is not APDF, direct
 *   (prflx); otherwise the relay. IPv6 has no NAT: host candidates and stateful firewalls opened by
 *   the checks both ways. One shared NAT without hairpinning: host candidates, unless mDNS hides
 *   both sides' (then only the relay is sure).
 *
 * The Node master with the conntrack-clash remedy (`ttlRemedy`, packages/webrtc/src/peer/ice-ttl-gate.ts)
 * is beyond standard ICE too, and has a table of its own: its TTL-limited openers map its own NAT
 * towards the viewer's candidates before the viewer can check (the viewer offers, so the master
 * learns the viewer's candidates while it still gathers, before its answer goes out), and its
 * checks to a viewer srflx whose router answers ranging wait until the viewer has sent (at most 2 s
 * after the answer), so no full-TTL packet of the master reaches an accepting viewer router first.
 * So an `-open` side's srflx port is usable when it maps endpoint-independently, on either side:
 * `port-restricted-open` and `cgnat-open` go direct (srflx) with `port-restricted`, `cgnat` and
 * each other, both ways. That needs a router between the master's outermost NAT and the viewer's
 * accepting router (a TTL that passes the one and dies before the other), which every lab pair has
 * (docs/hole-punching.md), and a viewer that checks within the hold, which Chromium does at once.
 * A master whose NAT maps per destination runs plain ICE (it asks at start): its rows are standard
 * ICE's either way.
 *
 * A master that adds a port-mapped candidate (UPnP-IGD, NAT-PMP, PCP on its gateway) is beyond
 * standard ICE: the mapped port is endpoint-independent and unfiltered, so any peer that can send
 * UDP reaches it. The weights are the expectation table's (issue #5), so the figures compare: the
 * `-open` presets weigh 0 there, and in the figure with accepting routers (`acceptingWeight`, as for
 * the transport's matrix) each takes ACCEPTING_SHARE of its base preset's weight.
 */
import { PRESETS, expectedReport, grantsPortMapping, type PresetName } from '@peerlink/testing';
import { acceptingWeight, expect, presetPairs, type Outcome } from '../expectations.js';

/** How the pair gets there with ICE. */
export type IceMethod = 'host' | 'srflx' | 'prflx' | 'ipv6' | 'port-mapped' | 'relay';

export interface IceOptions {
  /** Both sites have global IPv6. */
  readonly ipv6: boolean;
  /** Whose host candidates hide behind mDNS names (Chromium's default without camera permission). */
  readonly mdns?: 'none' | 'viewer' | 'both';
  /** The master advertises a port-mapped candidate when its gateway grants one. */
  readonly masterPortMapping?: boolean;
  /** The master is the Node master with TTL-limited openers and held checks (`kvs-master`'s default). */
  readonly ttlRemedy?: boolean;
}

/** Which table a row comes from: standard ICE's, or the Node master's with the TTL remedy. */
export type IceTable = 'standard' | 'ttl-remedy';

export const ICE_TABLE_NAMES: Record<IceTable, string> = {
  standard: "standard ICE's table",
  'ttl-remedy': "the Node master's table (standard ICE plus TTL-limited openers and held checks)",
};

export interface IceExpectation {
  /** The master's preset. */
  readonly a: PresetName;
  /** The viewer's preset. */
  readonly b: PresetName;
  readonly ipv6: boolean;
  readonly outcome: Outcome;
  readonly method: IceMethod;
  readonly why: string;
  /** The expectation table's weight (product of the sides' weights; 0: not counted). */
  readonly weight: number;
  /** The weight in the figure with accepting routers (the `-open` twins take a share). */
  readonly acceptingWeight: number;
  readonly table: IceTable;
}

/** Which weights a weighted figure uses: issue #5's, or those with accepting routers. */
export type Weights = 'issue5' | 'accepting';

export const weightOf = (e: IceExpectation, w: Weights): number =>
  w === 'issue5' ? e.weight : e.acceptingWeight;

/**
 * The side's server-reflexive port is the one a peer can reach: its NAT maps endpoint-independently
 * (RFC 4787 §4.1), and no layer accepts unsolicited UDP. A layer that accepts it (the `-open`
 * presets) confirms a conntrack entry for the peer's first check when that check arrives before the
 * side's own packet goes out, and then gives the side's packets to the peer another port (the
 * conntrack clash, docs/hole-punching.md): ICE checks start on both sides at once, so the srflx
 * port cannot be counted on, unless the master's TTL remedy keeps the first packets away (`remedy`).
 */
const srflxUsable = (p: PresetName, remedy: boolean): boolean =>
  expectedReport(PRESETS[p]).mapping === 'endpoint-independent' &&
  (remedy || !PRESETS[p].layers.some((l) => l.unsolicited === 'accept'));

const accepts = (p: PresetName): boolean => PRESETS[p].layers.some((l) => l.unsolicited === 'accept');

/** The side's NAT admits a check from a port it has not sent to (RFC 4787 §5: EIF or ADF). */
const admitsUnknownPort = (p: PresetName): boolean =>
  expectedReport(PRESETS[p]).filtering !== 'address-and-port-dependent';

export function iceExpect(master: PresetName, viewer: PresetName, opts: IceOptions): IceExpectation {
  const [pa, pb] = [PRESETS[master], PRESETS[viewer]];
  const table = expect(master, viewer, opts.ipv6);
  const row = (outcome: Outcome, method: IceMethod, why: string): IceExpectation => ({
    a: master,
    b: viewer,
    ipv6: opts.ipv6,
    outcome,
    method,
    why,
    weight: table.weight,
    acceptingWeight: acceptingWeight(table),
    table: opts.ttlRemedy ? 'ttl-remedy' : 'standard',
  });
  if (pa.udpBlocked || pb.udpBlocked)
    return row('relay', 'relay', 'UDP is blocked on one side: TURN over TCP');
  if (pa.shared && pb.shared) {
    return opts.mdns === 'both'
      ? row('relay', 'relay', 'one NAT without hairpinning, and mDNS hides both host candidates')
      : row('direct', 'host', 'one LAN: a visible host candidate answers the other side from its host');
  }
  if (opts.ipv6) return row('direct', 'ipv6', 'global IPv6: checks both ways open the stateful firewalls');
  const remedy = opts.ttlRemedy ?? false;
  const [okA, okB] = [srflxUsable(master, remedy), srflxUsable(viewer, remedy)];
  if (okA && okB)
    return remedy && (accepts(master) || accepts(viewer))
      ? row(
          'direct',
          'srflx',
          "both map endpoint-independently; the master's TTL-limited openers and held checks keep the accepting router's mapping",
        )
      : row('direct', 'srflx', 'both map endpoint-independently: srflx meets srflx');
  if (okA && admitsUnknownPort(master))
    return row('direct', 'prflx', "the viewer's checks leave from a fresh port the master's filter admits");
  if (okB && admitsUnknownPort(viewer))
    return row('direct', 'prflx', "the master's checks leave from a fresh port the viewer's filter admits");
  if (opts.masterPortMapping && grantsPortMapping(pa))
    return row('direct', 'port-mapped', "the master's gateway maps an unfiltered public port for it");
  return okA || okB
    ? row('relay', 'relay', 'one side maps per destination and the other filters by address and port')
    : row('relay', 'relay', 'both sides map per destination: no srflx candidate is the port to reach');
}

export function iceExpectationTable(opts: Omit<IceOptions, 'ipv6'> = {}): IceExpectation[] {
  return [false, true].flatMap((ipv6) => presetPairs().map(([a, b]) => iceExpect(a, b, { ...opts, ipv6 })));
}

/** The weighted direct % standard ICE can reach at most (with the options' extras). */
export function iceMaxWeightedDirectPct(opts: IceOptions, weights: Weights = 'issue5'): number {
  const rows = presetPairs().map(([a, b]) => iceExpect(a, b, opts));
  return weightedDirectPct(
    rows.map((e) => ({ weight: weightOf(e, weights), direct: e.outcome === 'direct' })),
  );
}

/** Σ weight of the direct rows over Σ weight, in %; rows of weight 0 do not count. */
export function weightedDirectPct(rows: readonly { weight: number; direct: boolean }[]): number {
  const counted = rows.filter((r) => r.weight > 0);
  const total = counted.reduce((s, r) => s + r.weight, 0);
  if (total === 0) return 0;
  return (100 * counted.filter((r) => r.direct).reduce((s, r) => s + r.weight, 0)) / total;
}
