/**
 * The TURN client's requests and indications, built with the @peerlink/wire codecs, and the
 * readers for the answers' attributes (RFC 8656 §7-§12, §18).
 */
import {
  StunAttr,
  StunClass,
  StunMethod,
  TransportProtocol,
  decodeUint32,
  decodeXorAddress,
  encodeChannelNumber,
  encodeRequestedTransport,
  encodeStunMessage,
  encodeUint32,
  encodeXorAddress,
  findAttribute,
  newTransactionId,
  type StunAttribute,
  type StunMessage,
  type TransportAddress,
} from '@peerlink/wire';

/** A request's method and its attributes besides the credentials, as a function of the id. */
export interface RequestBody {
  readonly method: number;
  readonly attributes: (transactionId: Uint8Array) => StunAttribute[];
}

const lifetime = (seconds: number): StunAttribute => ({
  type: StunAttr.Lifetime,
  value: encodeUint32(seconds),
});

const peerAddress = (peer: TransportAddress, tid: Uint8Array): StunAttribute => ({
  type: StunAttr.XorPeerAddress,
  value: encodeXorAddress(peer, tid),
});

/** Allocate for a UDP relay (§7.1). */
export const allocateBody = (lifetimeSec: number): RequestBody => ({
  method: StunMethod.Allocate,
  attributes: () => [
    { type: StunAttr.RequestedTransport, value: encodeRequestedTransport(TransportProtocol.Udp) },
    lifetime(lifetimeSec),
  ],
});

/** Refresh (§8.1); LIFETIME 0 deletes the allocation. */
export const refreshBody = (lifetimeSec: number): RequestBody => ({
  method: StunMethod.Refresh,
  attributes: () => [lifetime(lifetimeSec)],
});

/** CreatePermission for the peer's IP (§10.1). */
export const createPermissionBody = (peer: TransportAddress): RequestBody => ({
  method: StunMethod.CreatePermission,
  attributes: (tid) => [peerAddress(peer, tid)],
});

/** ChannelBind of `channel` to the peer's address (§12.1); also refreshes the permission. */
export const channelBindBody = (channel: number, peer: TransportAddress): RequestBody => ({
  method: StunMethod.ChannelBind,
  attributes: (tid) => [
    { type: StunAttr.ChannelNumber, value: encodeChannelNumber(channel) },
    peerAddress(peer, tid),
  ],
});

/** A Send indication (§11.1): no credentials, no answer. */
export function sendIndication(
  peer: TransportAddress,
  data: Uint8Array,
  random: ((n: number) => Uint8Array) | undefined,
): Uint8Array {
  const transactionId = newTransactionId(random);
  return encodeStunMessage({
    method: StunMethod.Send,
    cls: StunClass.Indication,
    transactionId,
    attributes: [peerAddress(peer, transactionId), { type: StunAttr.Data, value: data }],
  });
}

/** An XOR-*-ADDRESS attribute of the message, decoded; undefined when absent or malformed. */
export function xorAddressOf(msg: StunMessage, type: number): TransportAddress | undefined {
  const a = findAttribute(msg, type);
  const d = a === undefined ? undefined : decodeXorAddress(a.value, msg.transactionId);
  return d?.ok === true ? d.value : undefined;
}

/** LIFETIME in seconds; undefined when absent or malformed. */
export function lifetimeOf(msg: StunMessage): number | undefined {
  const a = findAttribute(msg, StunAttr.Lifetime);
  const d = a === undefined ? undefined : decodeUint32(a.value);
  return d?.ok === true ? d.value : undefined;
}
