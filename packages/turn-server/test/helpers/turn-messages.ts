// Builds TURN client requests and reads server answers, for the engine and adapter tests.
import assert from 'node:assert/strict';
import {
  StunAttr,
  StunClass,
  StunMethod,
  decodeErrorCode,
  decodeStunMessage,
  decodeText,
  decodeUint32,
  decodeXorAddress,
  encodeRequestedTransport,
  encodeStunMessage,
  encodeText,
  encodeXorAddress,
  findAttribute,
  longTermKey,
  newTransactionId,
  type StunAttribute,
  type StunMessage,
  type TransportAddress,
} from '@peerlink/wire';

export interface Credentials {
  username: string;
  password: string;
  realm: string;
  nonce: string;
}

export function request(
  method: number,
  attributes: StunAttribute[],
  creds?: Credentials,
  transactionId: Uint8Array = newTransactionId(),
): Uint8Array {
  const attrs = [...attributes];
  if (creds !== undefined) {
    attrs.push(
      { type: StunAttr.Username, value: encodeText(creds.username, StunAttr.Username) },
      { type: StunAttr.Realm, value: encodeText(creds.realm, StunAttr.Realm) },
      { type: StunAttr.Nonce, value: encodeText(creds.nonce, StunAttr.Nonce) },
    );
  }
  return encodeStunMessage(
    { method, cls: StunClass.Request, transactionId, attributes: attrs },
    {
      integrityKey:
        creds === undefined ? undefined : longTermKey(creds.username, creds.realm, creds.password),
    },
  );
}

export const udpTransport = (): StunAttribute => ({
  type: StunAttr.RequestedTransport,
  value: encodeRequestedTransport(17),
});

export function peerAttr(peer: TransportAddress, transactionId: Uint8Array): StunAttribute {
  return { type: StunAttr.XorPeerAddress, value: encodeXorAddress(peer, transactionId) };
}

export function indication(
  method: number,
  attributes: StunAttribute[],
  tid = newTransactionId(),
): Uint8Array {
  return encodeStunMessage({ method, cls: StunClass.Indication, transactionId: tid, attributes });
}

export function decode(bytes: Uint8Array): StunMessage {
  const d = decodeStunMessage(bytes);
  assert.ok(d.ok, 'answer decodes');
  return d.value;
}

/** The error code of an answer, or 0 for success. */
export function codeOf(msg: StunMessage): number {
  if (msg.cls === StunClass.SuccessResponse) return 0;
  const e = findAttribute(msg, StunAttr.ErrorCode);
  assert.ok(e, 'error response has ERROR-CODE');
  const d = decodeErrorCode(e.value);
  assert.ok(d.ok);
  return d.value.code;
}

export function textOf(msg: StunMessage, type: number): string | undefined {
  const a = findAttribute(msg, type);
  if (a === undefined) return undefined;
  const t = decodeText(a.value, type);
  return t.ok ? t.value : undefined;
}

export function relayedOf(msg: StunMessage): TransportAddress[] {
  return msg.attributes
    .filter((a) => a.type === StunAttr.XorRelayedAddress)
    .map((a) => {
      const d = decodeXorAddress(a.value, msg.transactionId);
      assert.ok(d.ok);
      return d.value;
    });
}

export function lifetimeOf(msg: StunMessage): number | undefined {
  const a = findAttribute(msg, StunAttr.Lifetime);
  if (a === undefined) return undefined;
  const d = decodeUint32(a.value);
  return d.ok ? d.value : undefined;
}

export { StunMethod };
