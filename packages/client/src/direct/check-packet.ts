/**
 * Connectivity checks on the node's UDP socket: `[0xc7][kind][connection tag: 8][txid: 8][mac: 16]`.
 * A ping is authenticated with the receiver's check password, a pong with the pinger's (as ICE
 * does with its ufrag/pwd); both passwords travel in the session's signaling. 34 bytes.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { CHECK_TYPE } from './udp-mux.js';

export const CHECK_LENGTH = 34;
export type CheckKind = 1 | 2; // ping, pong

export function connectionTag(connectionId: string): Uint8Array {
  return new Uint8Array(
    createHash('sha256').update(`peerlink-check:${connectionId}`).digest().subarray(0, 8),
  );
}

const mac = (password: Uint8Array, head: Uint8Array): Buffer =>
  createHmac('sha256', password).update(head).digest().subarray(0, 16);

export function encodeCheck(
  kind: CheckKind,
  tag: Uint8Array,
  txid: Uint8Array,
  password: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(CHECK_LENGTH);
  out[0] = CHECK_TYPE;
  out[1] = kind;
  out.set(tag, 2);
  out.set(txid, 10);
  out.set(mac(password, out.subarray(0, 18)), 18);
  return out;
}

export function newTxid(): Uint8Array {
  return new Uint8Array(randomBytes(8));
}

export interface Check {
  kind: CheckKind;
  tag: string;
  txid: Uint8Array;
}

/** Parses a check; `verify` is called with its tag and says which password authenticates it. */
export function decodeCheck(
  bytes: Uint8Array,
  passwordFor: (tag: string, kind: CheckKind) => Uint8Array | undefined,
): Check | undefined {
  if (bytes.length !== CHECK_LENGTH || bytes[0] !== CHECK_TYPE) return undefined;
  const kind = bytes[1];
  if (kind !== 1 && kind !== 2) return undefined;
  const tag = Buffer.from(bytes.subarray(2, 10)).toString('hex');
  const password = passwordFor(tag, kind);
  if (!password) return undefined;
  const expected = mac(password, bytes.subarray(0, 18));
  if (!timingSafeEqual(expected, Buffer.from(bytes.subarray(18, 34)))) return undefined;
  return { kind, tag, txid: bytes.slice(10, 18) };
}
