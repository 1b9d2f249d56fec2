/**
 * The fake gateway's UDP 5351 (RFC 6886 NAT-PMP and RFC 6887 PCP share it; the first byte, the
 * version, tells them apart), sans-IO: a datagram and `now` in, the reply and the mapping changes
 * out. A request maps only its sender's own address: PCP's client address must be the packet's
 * source (else ADDRESS_MISMATCH) and PCP options such as THIRD_PARTY are refused.
 */
import {
  NatPmpResult,
  PCP_MAP_SIZE,
  PcpResult,
  decodeNatPmpRequest,
  decodePcpMapRequest,
  encodeNatPmpError,
  encodeNatPmpExternalResponse,
  encodeNatPmpMapResponse,
  encodePcpMapResponse,
  type PcpMapRequest,
} from '@peerlink/p2p';
import type { GatewayMapping, MapOutcome, MappingTable } from './mapping-table.js';

export interface Changes {
  readonly added: GatewayMapping[];
  readonly removed: GatewayMapping[];
}

export interface ControlReply extends Changes {
  /** Undefined: stay silent (a response, or bytes too short to answer). */
  readonly reply: Uint8Array | undefined;
}

export interface ControlContext {
  readonly table: MappingTable;
  readonly wanIp: string;
  /** ms when the gateway started: the epoch both protocols report. */
  readonly startedAt: number;
}

const UDP = 17;
/** How long an error answer holds, seconds (RFC 6887 §7.2: a short time for transient errors). */
const ERROR_LIFETIME_SEC = 30;

export function handleControl(
  ctx: ControlContext,
  bytes: Uint8Array,
  fromIp: string,
  now: number,
): ControlReply {
  const epoch = Math.floor((now - ctx.startedAt) / 1000);
  if (bytes[0] === 0) return natPmp(ctx, bytes, fromIp, now, epoch);
  return pcp(ctx, bytes, fromIp, now, epoch);
}

const none = (reply?: Uint8Array): ControlReply => ({ reply, added: [], removed: [] });

const applied = (out: MapOutcome & { ok: true }): Changes => ({
  added: [out.mapping],
  removed: out.replaced ? [out.replaced] : [],
});

function natPmp(
  ctx: ControlContext,
  b: Uint8Array,
  fromIp: string,
  now: number,
  epoch: number,
): ControlReply {
  if (b.length >= 2 && (b[1] as number) >= 128) return none(); // a response: never answer one
  const r = decodeNatPmpRequest(b);
  if (!r.ok) {
    if (b.length < 2) return none();
    return none(encodeNatPmpError(b[1] as number, NatPmpResult.UnsupportedOpcode, epoch));
  }
  const q = r.value;
  if (q.op === 'external') {
    return none(encodeNatPmpExternalResponse({ resultCode: 0, epochSec: epoch, externalAddress: ctx.wanIp }));
  }
  if (q.protocol !== 'udp') return none(encodeNatPmpError(2, NatPmpResult.UnsupportedOpcode, epoch));
  const answer = (externalPort: number, lifetimeSec: number, resultCode = 0): Uint8Array =>
    encodeNatPmpMapResponse({
      protocol: 'udp',
      resultCode,
      epochSec: epoch,
      internalPort: q.internalPort,
      externalPort,
      lifetimeSec,
    });
  if (q.lifetimeSec === 0) {
    // §3.4: lifetime 0 deletes; internal port 0 as well deletes every mapping of the client.
    const gone =
      q.internalPort === 0
        ? ctx.table.ownedBy(fromIp).map((m) => ctx.table.remove(m.internalAddress, m.internalPort))
        : [ctx.table.remove(fromIp, q.internalPort)];
    const removed = gone.filter((m): m is GatewayMapping => m !== undefined);
    return { reply: answer(0, 0), added: [], removed };
  }
  if (q.internalPort === 0) return none(answer(0, 0, NatPmpResult.NotAuthorized));
  const out = ctx.table.map(
    {
      internalAddress: fromIp,
      internalPort: q.internalPort,
      externalPort: q.suggestedExternalPort,
      lifetimeSec: q.lifetimeSec,
    },
    now,
  );
  if (!out.ok)
    return none(
      answer(0, 0, out.why === 'no-ports' ? NatPmpResult.OutOfResources : NatPmpResult.NotAuthorized),
    );
  const lifetime = Math.round((out.mapping.expiresAt - now) / 1000);
  return { reply: answer(out.mapping.externalPort, lifetime), ...applied(out) };
}

/** Option codes 0..127 are mandatory to process (RFC 6887 §7.3); we process none. */
function mandatoryOption(b: Uint8Array): boolean {
  for (let at = PCP_MAP_SIZE; at + 4 <= b.length;) {
    if ((b[at] as number) < 128) return true;
    const len = ((b[at + 2] as number) << 8) | (b[at + 3] as number);
    at += 4 + Math.ceil(len / 4) * 4;
  }
  return false;
}

function pcp(ctx: ControlContext, b: Uint8Array, fromIp: string, now: number, epoch: number): ControlReply {
  if (b.length >= 2 && ((b[1] as number) & 0x80) !== 0) return none();
  const r = decodePcpMapRequest(b);
  const echo = (
    q: PcpMapRequest,
    resultCode: number,
    externalPort: number,
    lifetimeSec: number,
  ): Uint8Array =>
    encodePcpMapResponse({
      resultCode,
      lifetimeSec,
      epochSec: epoch,
      nonce: q.nonce,
      protocol: q.protocol,
      internalPort: q.internalPort,
      externalPort,
      externalAddress: resultCode === PcpResult.Success ? ctx.wanIp : q.suggestedExternalAddress,
    });
  if (!r.ok) {
    if (b.length < 4) return none();
    // §7.2: an unsupported version or opcode still gets a header-only answer with the result.
    const code =
      r.error.code === 'PORTMAP_UNSUPPORTED_VERSION'
        ? PcpResult.UnsuppVersion
        : (b[1] as number) !== 1
          ? PcpResult.UnsuppOpcode
          : PcpResult.MalformedRequest;
    const h = new Uint8Array(24);
    h[0] = 2;
    h[1] = 0x80 | ((b[1] as number) & 0x7f);
    h[3] = code;
    new DataView(h.buffer).setUint32(4, ERROR_LIFETIME_SEC);
    new DataView(h.buffer).setUint32(8, epoch);
    return none(h);
  }
  const q = r.value;
  if (q.clientAddress !== fromIp) return none(echo(q, PcpResult.AddressMismatch, 0, ERROR_LIFETIME_SEC));
  if (q.hasOptions && mandatoryOption(b)) return none(echo(q, PcpResult.UnsuppOption, 0, ERROR_LIFETIME_SEC));
  if (q.protocol !== UDP) return none(echo(q, PcpResult.UnsuppProtocol, 0, ERROR_LIFETIME_SEC));
  const nonce = Buffer.from(q.nonce).toString('hex');
  if (q.lifetimeSec === 0) {
    const existing = ctx.table.find(fromIp, q.internalPort);
    if (existing?.nonce !== undefined && existing.nonce !== nonce) {
      return none(echo(q, PcpResult.NotAuthorized, 0, ERROR_LIFETIME_SEC));
    }
    const gone = ctx.table.remove(fromIp, q.internalPort, nonce);
    return {
      reply: echo(q, PcpResult.Success, q.suggestedExternalPort, 0),
      added: [],
      removed: gone ? [gone] : [],
    };
  }
  const out = ctx.table.map(
    {
      internalAddress: fromIp,
      internalPort: q.internalPort,
      externalPort: q.suggestedExternalPort,
      lifetimeSec: q.lifetimeSec,
      nonce,
    },
    now,
  );
  if (!out.ok) {
    const code = out.why === 'not-owner' ? PcpResult.NotAuthorized : PcpResult.NoResources;
    return none(echo(q, code, 0, ERROR_LIFETIME_SEC));
  }
  const lifetime = Math.round((out.mapping.expiresAt - now) / 1000);
  return { reply: echo(q, PcpResult.Success, out.mapping.externalPort, lifetime), ...applied(out) };
}
