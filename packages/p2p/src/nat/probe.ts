/**
 * Runs the RFC 5780 tests against a STUN server over injected sockets and classifies the result.
 *
 * Sockets, in creation order (their mappings are the port-allocation samples):
 *  - A: Test I to the primary address, then mapping tests II and III (alternate IP, then IP+port).
 *  - F: Test I, then filtering tests (CHANGE-REQUEST ip+port, then port). F never talks to the
 *       alternate address itself, so an answer from there proves the filter let it in.
 *  - P1, P2: Test I only, more port-allocation samples.
 *  - H: sends to A's public address: if A hears it, the NAT hairpins.
 */
import {
  StunAttr,
  decodeAddress,
  encodeChangeRequest,
  findAttribute,
  type TransportAddress,
} from '@peerlink/wire';
import type { DatagramSocket, SocketFactory } from '../net/datagram-socket.js';
import { classifyNat, type Classification, type NatObservations } from './classify.js';
import {
  DEFAULT_TIMING,
  mappedAddressOf,
  StunTransactions,
  type StunReply,
  type TransactionTiming,
} from './stun-transaction.js';

export interface ProbeOptions {
  /** The server's primary STUN address (IPv4 or IPv6). */
  readonly server: TransportAddress;
  /** An IPv6 address of the server to test IPv6 reachability, when known. */
  readonly serverIpv6?: TransportAddress | undefined;
  readonly sockets: SocketFactory;
  readonly timing?: TransactionTiming;
  /** How long to wait for a hairpinned probe. */
  readonly hairpinWaitMs?: number;
}

/** The server's OTHER-ADDRESS (RFC 5780 §7.4): its other IP and port, when it has them. */
export function otherAddressOf(reply: StunReply): TransportAddress | undefined {
  const a = findAttribute(reply.message, StunAttr.OtherAddress);
  if (!a) return undefined;
  const r = decodeAddress(a.value);
  return r.ok ? r.value : undefined;
}

const isSuccess = (r: StunReply | null): boolean => r !== null && r.message.cls === 2;

export async function probeNat(opts: ProbeOptions): Promise<Classification> {
  const timing = opts.timing ?? DEFAULT_TIMING;
  const family = opts.server.family;
  const opened: DatagramSocket[] = [];
  const open = async (f: 4 | 6 = family): Promise<StunTransactions> => {
    const s = await opts.sockets(f);
    opened.push(s);
    return new StunTransactions(s);
  };
  try {
    const a = await open();
    const r1 = await a.request(opts.server, [], timing);
    const m1 = mappedAddressOf(r1);
    const ipv6 = family === 6 ? m1 !== null : await probeIpv6(opts, open, timing);
    const withIpv6Reason = (c: Classification): Classification =>
      opts.serverIpv6 || family === 6
        ? c
        : { ...c, reasons: [...c.reasons, 'ipv6: the server has no IPv6 address to test against'] };
    if (!r1 || !m1) return withIpv6Reason(classifyNat({ portSamples: [], ipv6 }));
    const other = otherAddressOf(r1);
    const samples = [{ local: a.socket.local().port, mapped: m1.port }];

    const f = await open();
    const rf = await f.request(opts.server, [], timing);
    const mf = mappedAddressOf(rf);
    if (mf) samples.push({ local: f.socket.local().port, mapped: mf.port });
    for (let i = 0; i < 2; i++) {
      const p = await open();
      const m = mappedAddressOf(await p.request(opts.server, [], timing));
      if (m) samples.push({ local: p.socket.local().port, mapped: m.port });
    }

    const mapping = async (): Promise<Pick<NatObservations, 'mappedViaAltIp' | 'mappedViaAltIpPort'>> => {
      if (!other) return {};
      const viaIp = mappedAddressOf(await a.request({ ...opts.server, address: other.address }, [], timing));
      if (!viaIp || (viaIp.address === m1.address && viaIp.port === m1.port))
        return { mappedViaAltIp: viaIp };
      const viaBoth = mappedAddressOf(await a.request(other, [], timing));
      return { mappedViaAltIp: viaIp, mappedViaAltIpPort: viaBoth };
    };
    const filtering = async (): Promise<
      Pick<NatObservations, 'answeredChangeIpPort' | 'answeredChangePort'>
    > => {
      if (!other || !mf) return {};
      const both = await f.request(
        opts.server,
        [{ type: StunAttr.ChangeRequest, value: encodeChangeRequest({ changeIp: true, changePort: true }) }],
        timing,
      );
      if (isSuccess(both)) return { answeredChangeIpPort: true };
      const port = await f.request(
        opts.server,
        [{ type: StunAttr.ChangeRequest, value: encodeChangeRequest({ changeIp: false, changePort: true }) }],
        timing,
      );
      return { answeredChangeIpPort: false, answeredChangePort: isSuccess(port) };
    };
    const hairpin = async (): Promise<boolean> => {
      const h = await open();
      const wait = opts.hairpinWaitMs ?? 1000;
      // Three probes over the wait: one lost datagram must not read as "no hairpinning".
      for (let i = 0; i < 3; i++) {
        if (await a.awaitRequest(h.sendProbe(m1), wait / 3)) return true;
      }
      return false;
    };
    const hairpinning = await hairpin();
    const [mapObs, filterObs] = await Promise.all([mapping(), filtering()]);
    return withIpv6Reason(
      classifyNat({
        primary: { mapped: m1, otherAddress: other },
        ...mapObs,
        ...filterObs,
        portSamples: samples,
        hairpinning,
        ipv6,
      }),
    );
  } finally {
    for (const s of opened) s.close();
  }
}

async function probeIpv6(
  opts: ProbeOptions,
  open: (f: 4 | 6) => Promise<StunTransactions>,
  timing: TransactionTiming,
): Promise<boolean> {
  if (!opts.serverIpv6) return false;
  let t: StunTransactions;
  try {
    t = await open(6);
  } catch {
    return false;
  }
  return mappedAddressOf(await t.request(opts.serverIpv6, [], timing)) !== null;
}
