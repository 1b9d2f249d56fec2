/**
 * One-line, human-readable summaries of STUN messages for logs and test failures. Values that
 * help debugging (addresses, error codes, SOFTWARE, REALM, LIFETIME) are shown; credentials
 * and nonces are shown only by length.
 */
import { toHex } from '../bytes.js';
import { formatTransportAddress } from '../ip.js';
import { StunAttr, stunAttributeName, stunClassName, stunMethodName } from './constants.js';
import { decodeAddress, decodeXorAddress } from './address.js';
import { decodeErrorCode } from './error-code.js';
import type { StunAttribute, StunMessage } from './message.js';
import { decodeUint32 } from './scalar.js';
import { decodeText } from './text.js';

const XOR_ADDRESSES: ReadonlySet<number> = new Set([
  StunAttr.XorMappedAddress,
  StunAttr.XorPeerAddress,
  StunAttr.XorRelayedAddress,
]);
const PLAIN_ADDRESSES: ReadonlySet<number> = new Set([
  StunAttr.MappedAddress,
  StunAttr.ResponseAddress,
  StunAttr.AlternateServer,
  StunAttr.ResponseOrigin,
  StunAttr.OtherAddress,
]);
const SHOWN_TEXT: ReadonlySet<number> = new Set([
  StunAttr.Software,
  StunAttr.Realm,
  StunAttr.AlternateDomain,
]);
const SHOWN_UINT32: ReadonlySet<number> = new Set([
  StunAttr.Lifetime,
  StunAttr.Priority,
  StunAttr.ConnectionId,
]);

function describeValue(a: StunAttribute, transactionId: Uint8Array): string | undefined {
  if (XOR_ADDRESSES.has(a.type)) {
    const r = decodeXorAddress(a.value, transactionId);
    return r.ok ? formatTransportAddress(r.value) : undefined;
  }
  if (PLAIN_ADDRESSES.has(a.type)) {
    const r = decodeAddress(a.value);
    return r.ok ? formatTransportAddress(r.value) : undefined;
  }
  if (a.type === StunAttr.ErrorCode) {
    const r = decodeErrorCode(a.value);
    return r.ok ? `${r.value.code} ${JSON.stringify(r.value.reason)}` : undefined;
  }
  if (SHOWN_TEXT.has(a.type)) {
    const r = decodeText(a.value, a.type);
    return r.ok ? JSON.stringify(r.value) : undefined;
  }
  if (SHOWN_UINT32.has(a.type)) {
    const r = decodeUint32(a.value);
    return r.ok ? String(r.value) : undefined;
  }
  return undefined;
}

/**
 * E.g. `Binding SuccessResponse b7e7a701bc34d686fa87dfae [SOFTWARE "test vector",
 * XOR-MAPPED-ADDRESS 192.0.2.1:32853, MESSAGE-INTEGRITY (20 bytes), FINGERPRINT (4 bytes)]`.
 */
export function describeStunMessage(msg: StunMessage): string {
  const attrs = msg.attributes.map((a) => {
    const shown = describeValue(a, msg.transactionId);
    return `${stunAttributeName(a.type)} ${shown ?? `(${a.value.length} bytes)`}`;
  });
  return `${stunMethodName(msg.method)} ${stunClassName(msg.cls)} ${toHex(msg.transactionId)} [${attrs.join(', ')}]`;
}
