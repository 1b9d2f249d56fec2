/**
 * The Noise crypto functions for `25519_ChaChaPoly_BLAKE2s` (Noise Protocol Framework, revision 34,
 * §4 and §12): DH is X25519, the cipher is ChaCha20-Poly1305 (RFC 8439) with a nonce of 4 zero bytes
 * then the 64-bit counter little-endian, HASH is BLAKE2s-256 and HKDF is Noise's HMAC chain (§4.3),
 * not RFC 5869.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { blake2s } from '@noble/hashes/blake2.js';
import { hmac } from '@noble/hashes/hmac.js';

export const DHLEN = 32;
export const HASHLEN = 32;
export const TAGLEN = 16;
/** The largest nonce, reserved for REKEY (§11.3). */
export const MAX_NONCE = 2n ** 64n - 1n;

export interface KeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

/** A key pair from a private key (or a fresh random one). */
export function x25519KeyPair(privateKey: Uint8Array = x25519.utils.randomSecretKey()): KeyPair {
  return { privateKey, publicKey: x25519.getPublicKey(privateKey) };
}

/** DH(key_pair, public_key). Throws on a low-order public key (all-zero shared secret). */
export function dh(keyPair: KeyPair, publicKey: Uint8Array): Uint8Array {
  return x25519.getSharedSecret(keyPair.privateKey, publicKey);
}

/** The 12-byte ChaCha20-Poly1305 nonce for Noise counter `n`: 4 zero bytes, then n little-endian. */
export function nonceBytes(n: bigint): Uint8Array {
  const nonce = new Uint8Array(12);
  new DataView(nonce.buffer).setBigUint64(4, n, true);
  return nonce;
}

/** ENCRYPT(k, n, ad, plaintext): ciphertext with the 16-byte tag appended. */
export function encrypt(k: Uint8Array, n: bigint, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return chacha20poly1305(k, nonceBytes(n), ad).encrypt(plaintext);
}

/** DECRYPT(k, n, ad, ciphertext): the plaintext, or undefined if authentication fails. */
export function decrypt(
  k: Uint8Array,
  n: bigint,
  ad: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array | undefined {
  if (ciphertext.length < TAGLEN) return undefined;
  try {
    return chacha20poly1305(k, nonceBytes(n), ad).decrypt(ciphertext);
  } catch {
    return undefined;
  }
}

/**
 * The AEAD the packet layer uses: ChaCha20-Poly1305 under the Noise nonce layout. The default is
 * {@link nobleAead} (pure TypeScript, runs anywhere); in Node, `nodeAead` (node/node-aead.ts, the
 * same cipher from OpenSSL) is several times faster. Both must agree byte for byte (tested).
 */
export interface Aead {
  encrypt(k: Uint8Array, n: bigint, ad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** The plaintext, or undefined if authentication fails. */
  decrypt(k: Uint8Array, n: bigint, ad: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined;
}

export const nobleAead: Aead = { encrypt, decrypt };

/** REKEY(k) = the first 32 bytes of ENCRYPT(k, maxnonce, zerolen, zeros) (§4.2). */
export function rekey(k: Uint8Array): Uint8Array {
  return encrypt(k, MAX_NONCE, new Uint8Array(0), new Uint8Array(32)).slice(0, 32);
}

export function hash(data: Uint8Array): Uint8Array {
  return blake2s(data);
}

/** HKDF(chaining_key, input_key_material, num_outputs) of §4.3, two or three outputs. */
export function hkdf(ck: Uint8Array, ikm: Uint8Array, outputs: 2 | 3): Uint8Array[] {
  const temp = hmac(blake2s, ck, ikm);
  const out1 = hmac(blake2s, temp, Uint8Array.of(1));
  const out2 = hmac(blake2s, temp, concat(out1, Uint8Array.of(2)));
  if (outputs === 2) return [out1, out2];
  return [out1, out2, hmac(blake2s, temp, concat(out2, Uint8Array.of(3)))];
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
