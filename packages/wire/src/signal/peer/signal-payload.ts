/**
 * The SDK's `data` in `signal` messages (docs/hole-punching.md): what one peer tells the other,
 * through the server, to find a direct path. The server forwards it unread; the receiving peer
 * checks it here. Two kinds exist:
 *
 *     { kind: 'direct-candidates', password, generation, candidates: [{type, address, port}], nat }
 *     { kind: 'direct-opened', generation, rungs: [2, 3] }   (the TTLs of the openers it has sent)
 *
 * The peer is not trusted and may run another version, so parsing is tolerant where that is safe
 * and strict where it is not: unknown fields are dropped; an unknown `kind` is `UNKNOWN_TYPE` (a
 * newer peer); a malformed candidate is skipped, not the whole message, and only the first
 * {@link PEER_MAX_SIGNAL_CANDIDATES} count; a malformed NAT hint field reads as unknown; a missing
 * or bad `generation` is 0. Only a wrong `kind`, `password` or `candidates` refuses the message.
 */
import { z } from 'zod';
import { unmapIpv4 } from '../../ip.js';
import type { PeerParseFailure } from './errors.js';
import { tagsOf, validate } from './validate.js';

/** Candidates read from one message; what lies past them is ignored (a bound on a peer's probes). */
export const PEER_MAX_SIGNAL_CANDIDATES = 24;
/** Opener TTLs a `direct-opened` may list. */
export const PEER_MAX_OPENER_RUNGS = 8;
/** Mapped ports of a NAT hint kept (the four Binding samples, with room to spare). */
export const PEER_MAX_NAT_PORTS = 8;

/** A transport address where the peer may be reached (ICE's candidate types, RFC 8445 §5.1.1). */
export const PeerSignalCandidate = z.object({
  type: z.enum(['host', 'srflx', 'prflx', 'mapped', 'relay']),
  /** IP text only (no names to resolve); an IPv4-mapped IPv6 address reads as IPv4. */
  address: z
    .string()
    .max(64)
    .regex(/^[0-9a-fA-F:.]+$/, 'an IP address')
    .transform(unmapIpv4),
  port: z.number().int().min(1).max(65_535),
});
export type PeerSignalCandidate = z.output<typeof PeerSignalCandidate>;

const isPort = (p: unknown): p is number =>
  Number.isInteger(p) && (p as number) > 0 && (p as number) < 65_536;

/**
 * What a peer learnt of its NAT from Binding requests to the server's two addresses and ports
 * (RFC 5780 behaviour discovery): each field falls back to "unknown" on its own.
 */
export const PeerNatHint = z.object({
  /** false when no Binding was answered at all (UDP blocked, or no STUN server). */
  udp: z.boolean().catch(false),
  /** null with fewer than two answers from different destinations. */
  mappingVaries: z.boolean().nullable().catch(null),
  portAllocation: z.enum(['preserving', 'sequential', 'random']).nullable().catch(null),
  /** The public IP the server saw, when UDP works. */
  publicIp: z.string().max(64).nullable().catch(null),
  /** The mapped ports seen, in the order the requests were sent (for sequential prediction). */
  ports: z
    .array(z.unknown())
    .catch([])
    .transform((ports): readonly number[] => ports.filter(isPort).slice(0, PEER_MAX_NAT_PORTS)),
});
export type PeerNatHint = z.output<typeof PeerNatHint>;

/** The hint of a peer that learnt nothing (no STUN answer, or no hint sent). */
export const PEER_UNKNOWN_NAT: Readonly<PeerNatHint> = Object.freeze({
  udp: false,
  mappingVaries: null,
  portAllocation: null,
  publicIp: null,
  ports: [],
});

/** The candidates of one gathering `generation` (trickled: a later message may add more). */
export const PeerDirectCandidates = z.object({
  kind: z.literal('direct-candidates'),
  /** The sender's check password (base64url): its checks are HMACed with it. */
  password: z.string().max(64),
  /** Bumped when the sender's addresses change: the old direct path is dropped. */
  generation: z.number().int().catch(0),
  candidates: z.array(z.unknown()).transform((list) =>
    list.slice(0, PEER_MAX_SIGNAL_CANDIDATES).flatMap((c) => {
      const r = PeerSignalCandidate.safeParse(c);
      return r.success ? [r.data] : [];
    }),
  ),
  nat: PeerNatHint.catch(() => ({ ...PEER_UNKNOWN_NAT, ports: [] })),
});
export type PeerDirectCandidates = z.output<typeof PeerDirectCandidates>;

/** Openers a peer has sent (their TTLs, in order): ours may follow in step (docs/hole-punching.md). */
export const PeerDirectOpened = z.object({
  kind: z.literal('direct-opened'),
  generation: z.number().int().catch(0),
  rungs: z.array(z.number().int().min(1).max(255)).max(PEER_MAX_OPENER_RUNGS),
});
export type PeerDirectOpened = z.output<typeof PeerDirectOpened>;

export const PeerSignalData = z.discriminatedUnion('kind', [PeerDirectCandidates, PeerDirectOpened]);
/** What a peer may put in `signal.data`, as read (z.input is what it sends). */
export type PeerSignalData = z.output<typeof PeerSignalData>;

/** The `kind`s of signal data this version understands. */
export const PEER_SIGNAL_KINDS = tagsOf('kind', PeerSignalData.options);

/** Checks the `data` of a peer's `signal` message. Never throws. */
export function parsePeerSignalData(data: unknown): { ok: true; data: PeerSignalData } | PeerParseFailure {
  const r = validate(PeerSignalData, data, 'kind', PEER_SIGNAL_KINDS);
  return r.ok ? { ok: true, data: r.value } : r;
}
