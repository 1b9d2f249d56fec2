/**
 * The Noise XX handshake (Noise Protocol Framework, revision 34, §7.5), as
 * `Noise_XX_25519_ChaChaPoly_BLAKE2s`:
 *
 * ```
 *   -> e
 *   <- e, ee, s, es
 *   -> s, se
 * ```
 *
 * Both static keys travel encrypted, so a relay between the peers learns neither. The state is a
 * plain object stepped by `writeMessage`/`readMessage`; it checks that messages come in pattern
 * order and throws a {@link TransportError} for anything out of order or failing to decrypt.
 */
import { TransportError } from '../errors.js';
import { concat, DHLEN, dh, type KeyPair, x25519KeyPair } from './noise-primitives.js';
import { SymmetricState } from './noise-state.js';

export const NOISE_XX_PROTOCOL = 'Noise_XX_25519_ChaChaPoly_BLAKE2s';

type Token = 'e' | 's' | 'ee' | 'es' | 'se';
const PATTERN: readonly (readonly Token[])[] = [['e'], ['e', 'ee', 's', 'es'], ['s', 'se']];

export interface NoiseXXOptions {
  initiator: boolean;
  prologue: Uint8Array;
  /** The local static key pair. */
  s: KeyPair;
  /** A fixed ephemeral key pair: test vectors only. */
  e?: KeyPair;
}

/** The outcome of a finished handshake. */
export interface NoiseResult {
  /** Initiator-to-responder and responder-to-initiator transport keys (Split()). */
  sendKey: Uint8Array;
  receiveKey: Uint8Array;
  handshakeHash: Uint8Array;
  remoteStatic: Uint8Array;
}

export class NoiseXX {
  private ss = new SymmetricState(NOISE_XX_PROTOCOL);
  private readonly initiator: boolean;
  private readonly s: KeyPair;
  private e: KeyPair | undefined;
  private re: Uint8Array | undefined;
  private rs: Uint8Array | undefined;
  private step = 0;

  constructor(options: NoiseXXOptions) {
    this.initiator = options.initiator;
    this.s = options.s;
    this.e = options.e;
    this.ss.mixHash(options.prologue);
  }

  /** An independent copy: read a message on it, keep it only if the read succeeds. */
  fork(): NoiseXX {
    const copy = Object.create(NoiseXX.prototype) as NoiseXX;
    Object.assign(copy, this);
    copy.ss = this.ss.fork();
    return copy;
  }

  /** True once all three messages were written or read. */
  get done(): boolean {
    return this.step === PATTERN.length;
  }

  /** The remote static key, once received (message 2 for the initiator, 3 for the responder). */
  get remoteStatic(): Uint8Array | undefined {
    return this.rs;
  }

  /** True if the next message is ours to write. */
  get writesNext(): boolean {
    return !this.done && (this.step % 2 === 0) === this.initiator;
  }

  writeMessage(payload: Uint8Array): Uint8Array {
    if (!this.writesNext) throw new TransportError('TRANSPORT_HANDSHAKE_FAILED', 'not our turn to write');
    const parts: Uint8Array[] = [];
    for (const token of PATTERN[this.step] as readonly Token[]) {
      if (token === 'e') {
        this.e ??= x25519KeyPair();
        parts.push(this.e.publicKey);
        this.ss.mixHash(this.e.publicKey);
      } else if (token === 's') {
        parts.push(this.ss.encryptAndHash(this.s.publicKey));
      } else {
        this.mixDh(token);
      }
    }
    parts.push(this.ss.encryptAndHash(payload));
    this.step++;
    return concat(...parts);
  }

  readMessage(message: Uint8Array): Uint8Array {
    if (this.done || this.writesNext) {
      throw new TransportError('TRANSPORT_HANDSHAKE_FAILED', 'not expecting a handshake message');
    }
    let offset = 0;
    const take = (n: number): Uint8Array => {
      if (message.length - offset < n) {
        throw new TransportError('TRANSPORT_HANDSHAKE_FAILED', 'Noise message too short');
      }
      const out = message.subarray(offset, offset + n);
      offset += n;
      return out;
    };
    for (const token of PATTERN[this.step] as readonly Token[]) {
      if (token === 'e') {
        this.re = take(DHLEN).slice();
        this.ss.mixHash(this.re);
      } else if (token === 's') {
        this.rs = this.ss.decryptAndHash(take(this.ss.cipher.hasKey() ? DHLEN + 16 : DHLEN)).slice();
      } else {
        this.mixDh(token);
      }
    }
    const payload = this.ss.decryptAndHash(message.subarray(offset));
    this.step++;
    return payload;
  }

  /** ee, es, se as §7.1 defines them for each role. */
  private mixDh(token: 'ee' | 'es' | 'se'): void {
    const missing = (): never => {
      throw new TransportError('TRANSPORT_HANDSHAKE_FAILED', `Noise ${token} before its keys`);
    };
    const e = this.e ?? missing();
    const re = this.re ?? missing();
    let shared: Uint8Array;
    try {
      if (token === 'ee') shared = dh(e, re);
      else if ((token === 'es') === this.initiator) shared = dh(e, this.rs ?? missing());
      else shared = dh(this.s, re);
    } catch (cause) {
      if (cause instanceof TransportError) throw cause;
      throw new TransportError('TRANSPORT_HANDSHAKE_FAILED', `Noise ${token}: bad public key`, { cause });
    }
    this.ss.mixKey(shared);
  }

  /** Split() after the last message, with keys named from this side's point of view. */
  result(): NoiseResult {
    if (!this.done || !this.rs)
      throw new TransportError('TRANSPORT_HANDSHAKE_FAILED', 'handshake not finished');
    const [k1, k2] = this.ss.split();
    return {
      sendKey: this.initiator ? k1 : k2,
      receiveKey: this.initiator ? k2 : k1,
      handshakeHash: this.ss.handshakeHash,
      remoteStatic: this.rs,
    };
  }
}
