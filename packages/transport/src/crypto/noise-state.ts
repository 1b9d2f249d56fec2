/**
 * Noise's CipherState and SymmetricState (Noise Protocol Framework, revision 34, §5.1 and §5.2),
 * for `25519_ChaChaPoly_BLAKE2s`. The handshake (noise-xx.ts) drives these; after `split()` the
 * packet layer (packet-cipher.ts) takes the raw keys and manages nonces itself, because datagrams
 * arrive out of order and §5.1's implicit counter would not survive that.
 */
import { TransportError } from '../errors.js';
import { concat, decrypt, encrypt, hash, HASHLEN, hkdf } from './noise-primitives.js';

/** §5.1: a key (or none) and a nonce counter. */
export class CipherState {
  private k: Uint8Array | undefined;
  private n = 0n;

  /** An independent copy (keys are never mutated in place, so sharing them is safe). */
  copyFrom(other: CipherState): void {
    this.k = other.k;
    this.n = other.n;
  }

  initializeKey(k: Uint8Array | undefined): void {
    this.k = k;
    this.n = 0n;
  }

  hasKey(): boolean {
    return this.k !== undefined;
  }

  get key(): Uint8Array | undefined {
    return this.k;
  }

  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
    if (!this.k) return plaintext;
    const out = encrypt(this.k, this.n, ad, plaintext);
    this.n++;
    return out;
  }

  /** Throws `TRANSPORT_HANDSHAKE_FAILED` if authentication fails (the nonce does not advance). */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (!this.k) return ciphertext;
    const out = decrypt(this.k, this.n, ad, ciphertext);
    if (!out) throw new TransportError('TRANSPORT_HANDSHAKE_FAILED', 'Noise message failed to decrypt');
    this.n++;
    return out;
  }
}

/** §5.2: the chaining key, the handshake hash and a CipherState. */
export class SymmetricState {
  private ck: Uint8Array;
  private h: Uint8Array;
  readonly cipher = new CipherState();

  constructor(protocolName: string) {
    const name = new TextEncoder().encode(protocolName);
    if (name.length <= HASHLEN) {
      this.h = new Uint8Array(HASHLEN);
      this.h.set(name);
    } else {
      this.h = hash(name);
    }
    this.ck = this.h;
  }

  /** An independent copy, to try reading a message without committing to it. */
  fork(): SymmetricState {
    const copy = Object.create(SymmetricState.prototype) as SymmetricState;
    Object.assign(copy, { ck: this.ck, h: this.h, cipher: new CipherState() });
    copy.cipher.copyFrom(this.cipher);
    return copy;
  }

  mixKey(ikm: Uint8Array): void {
    const [ck, tempK] = hkdf(this.ck, ikm, 2) as [Uint8Array, Uint8Array];
    this.ck = ck;
    this.cipher.initializeKey(tempK);
  }

  mixHash(data: Uint8Array): void {
    this.h = hash(concat(this.h, data));
  }

  get handshakeHash(): Uint8Array {
    return this.h;
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.cipher.encryptWithAd(this.h, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.cipher.decryptWithAd(this.h, ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }

  /** §5.2 Split(): the initiator-to-responder key, then the responder-to-initiator key. */
  split(): [Uint8Array, Uint8Array] {
    const [k1, k2] = hkdf(this.ck, new Uint8Array(0), 2) as [Uint8Array, Uint8Array];
    return [k1, k2];
  }
}
