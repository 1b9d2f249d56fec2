/**
 * Ed25519 identities bound into the Noise handshake. A peer's long-term identity is an Ed25519 key
 * (RFC 8032); its Noise static key is X25519 and may be fresh per process. The handshake payload
 * proves the two belong together: the Ed25519 public key and its signature over
 * `"peerlink-noise-static-v1" || x25519 static public key`. Since XX hands the payload over after
 * the static key, encrypted, only the peer can read it; the signature stops anyone without the
 * Ed25519 secret from presenting that identity with their own static key.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { TransportError } from '../errors.js';
import { concat } from './noise-primitives.js';

const CONTEXT = new TextEncoder().encode('peerlink-noise-static-v1');
/** 32-byte Ed25519 public key then a 64-byte signature. */
export const IDENTITY_PAYLOAD_LENGTH = 96;

export interface Identity {
  /** The 32-byte Ed25519 public key: what the server's welcome announces and `connect` pins. */
  publicKey: Uint8Array;
  /** The 32-byte Ed25519 secret seed. */
  secretKey: Uint8Array;
}

/** A new random identity, or the one for a stored 32-byte secret. */
export function createIdentity(secretKey: Uint8Array = ed25519.utils.randomSecretKey()): Identity {
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) };
}

/** The payload a peer sends in its Noise message carrying `s`. */
export function signStatic(identity: Identity, staticPublicKey: Uint8Array): Uint8Array {
  const signature = ed25519.sign(concat(CONTEXT, staticPublicKey), identity.secretKey);
  return concat(identity.publicKey, signature);
}

/**
 * Checks a peer's payload against the static key Noise authenticated and, when given, the pinned
 * identity. Returns the peer's Ed25519 public key; throws `TRANSPORT_BAD_IDENTITY` or
 * `TRANSPORT_KEY_MISMATCH`.
 */
export function verifyStatic(
  payload: Uint8Array,
  remoteStatic: Uint8Array,
  pinned: Uint8Array | undefined,
): Uint8Array {
  if (payload.length !== IDENTITY_PAYLOAD_LENGTH) {
    throw new TransportError('TRANSPORT_BAD_IDENTITY', `identity payload of ${payload.length} bytes`);
  }
  const publicKey = payload.slice(0, 32);
  let valid = false;
  try {
    valid = ed25519.verify(payload.subarray(32), concat(CONTEXT, remoteStatic), publicKey);
  } catch {
    valid = false;
  }
  if (!valid) throw new TransportError('TRANSPORT_BAD_IDENTITY', 'identity signature does not verify');
  if (pinned && !equalBytes(pinned, publicKey)) {
    throw new TransportError(
      'TRANSPORT_KEY_MISMATCH',
      `peer identity ${hex(publicKey)} is not the pinned ${hex(pinned)}`,
    );
  }
  return publicKey;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
