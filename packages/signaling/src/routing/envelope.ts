/**
 * What one node sends another over the bus: a text message or a relay frame for a client it holds,
 * or a control word about that client. Binary, so relay frames cross without base64:
 *
 *   kind u8 | conn u32 | session u32 | id length u8 | id (UTF-8) | payload
 *
 * A text message whose client left the receiving node meanwhile is dropped (`Text`), or held in the
 * client's mailbox (`HeldText`, when the sender asked for a mailbox): a HeldText payload starts with
 * the mailbox TTL in milliseconds (u32; 0 for the store's default), then the text.
 *
 * `conn` is the recipient's connection on the receiving node (from its presence record); `session`
 * (0 for none) names a session whose cached copy the receiver must drop before delivering, because
 * the message reports a change to it. Pure; decode never throws.
 */
export const EnvelopeKind = { Text: 1, Relay: 2, Control: 3, HeldText: 4 } as const;
export type EnvelopeKind = (typeof EnvelopeKind)[keyof typeof EnvelopeKind];

export interface Envelope {
  readonly kind: EnvelopeKind;
  readonly conn: number;
  readonly session: number;
  /** Protocol-scoped client id (`p2p/alice`). */
  readonly id: string;
  readonly payload: Uint8Array;
}

const HEADER = 10;
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

export function encodeEnvelope(e: Envelope): Uint8Array {
  const id = enc.encode(e.id);
  if (id.length > 255) throw new RangeError('client id over 255 bytes');
  const out = new Uint8Array(HEADER + id.length + e.payload.length);
  const v = new DataView(out.buffer);
  v.setUint8(0, e.kind);
  v.setUint32(1, e.conn >>> 0);
  v.setUint32(5, e.session >>> 0);
  v.setUint8(9, id.length);
  out.set(id, HEADER);
  out.set(e.payload, HEADER + id.length);
  return out;
}

export function decodeEnvelope(b: Uint8Array): Envelope | undefined {
  if (b.length < HEADER) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const kind = v.getUint8(0);
  if (kind < EnvelopeKind.Text || kind > EnvelopeKind.HeldText) return undefined;
  const idLen = v.getUint8(9);
  if (b.length < HEADER + idLen) return undefined;
  let id: string;
  try {
    id = dec.decode(b.subarray(HEADER, HEADER + idLen));
  } catch {
    return undefined;
  }
  if (kind === EnvelopeKind.HeldText && b.length < HEADER + idLen + 4) return undefined;
  return {
    kind: kind as EnvelopeKind,
    conn: v.getUint32(1),
    session: v.getUint32(5),
    id,
    payload: b.subarray(HEADER + idLen),
  };
}
