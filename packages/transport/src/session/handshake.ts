/**
 * The session's handshake driver: Noise XX (noise-xx.ts) framed as HS1/HS2/HS3 packets, Ed25519
 * identities bound in (identity.ts), and retransmission over lossy paths. Sans-IO: `start`,
 * `receive` and `due` return packets to send.
 *
 * Loss: the initiator repeats HS1 until HS2 arrives; the responder answers a repeated HS1 with the
 * same HS2; the initiator repeats HS3 whenever HS2 shows up again and (driven by the session) until
 * the first DATA packet proves the responder has its keys. A handshake packet that fails to decrypt
 * is dropped without touching the state (it is read on a copy), so injected garbage cannot spoil a
 * handshake; a valid message carrying the wrong identity is fatal (`TRANSPORT_KEY_MISMATCH`).
 */
import { TransportError } from '../errors.js';
import { equalBytes, type Identity, signStatic, verifyStatic } from '../crypto/identity.js';
import { concat, type KeyPair, x25519KeyPair } from '../crypto/noise-primitives.js';
import { type NoiseResult, NoiseXX } from '../crypto/noise-xx.js';

export const HandshakeType = { Hs1: 1, Hs2: 2, Hs3: 3 } as const;
export const PROLOGUE = new TextEncoder().encode('peerlink/transport/1');

export interface HandshakeOptions {
  initiator: boolean;
  identity: Identity;
  /** The peer's Ed25519 public key, when known in advance (pinning). */
  pinned?: Uint8Array | undefined;
  /** Our X25519 static key (default: fresh). */
  staticKey?: KeyPair | undefined;
}

export interface HandshakeDone extends NoiseResult {
  remoteIdentity: Uint8Array;
}

export type HandshakeStep =
  | { kind: 'send'; packet: Uint8Array }
  | { kind: 'done'; result: HandshakeDone; packet?: Uint8Array }
  | { kind: 'ignored' };

export class Handshake {
  private noise: NoiseXX;
  private readonly options: HandshakeOptions;
  private readonly s: KeyPair;
  private hs1: Uint8Array | undefined;
  private hs2: Uint8Array | undefined;
  private hs3: Uint8Array | undefined;
  private result: HandshakeDone | undefined;

  constructor(options: HandshakeOptions) {
    this.options = options;
    this.s = options.staticKey ?? x25519KeyPair();
    this.noise = new NoiseXX({ initiator: options.initiator, prologue: PROLOGUE, s: this.s });
  }

  get done(): HandshakeDone | undefined {
    return this.result;
  }

  /** Initiator: HS1. */
  start(): Uint8Array {
    this.hs1 ??= frame(HandshakeType.Hs1, this.noise.writeMessage(new Uint8Array(0)));
    return this.hs1;
  }

  /** What to repeat on a retransmission tick: HS1 before HS2, HS3 afterwards (initiator only). */
  retransmission(): Uint8Array | undefined {
    return this.options.initiator ? (this.hs3 ?? this.hs1) : undefined;
  }

  /** Feeds a handshake packet. Throws only for identity failures (fatal by design). */
  receive(packet: Uint8Array): HandshakeStep {
    const type = packet[0];
    const body = packet.subarray(1);
    if (this.options.initiator) {
      if (type !== HandshakeType.Hs2) return { kind: 'ignored' };
      if (this.hs3) return { kind: 'send', packet: this.hs3 };
      const payload = this.tryRead(body);
      if (!payload) return { kind: 'ignored' };
      const remoteIdentity = this.verifyPeer(payload);
      this.hs3 = frame(HandshakeType.Hs3, this.noise.writeMessage(this.ourIdentity()));
      this.result = { ...this.noise.result(), remoteIdentity };
      return { kind: 'done', result: this.result, packet: this.hs3 };
    }
    if (type === HandshakeType.Hs1) {
      if (this.hs2)
        return this.hs1 && equalBytes(this.hs1, packet)
          ? { kind: 'send', packet: this.hs2 }
          : { kind: 'ignored' };
      if (!this.tryRead(body)) return { kind: 'ignored' };
      this.hs1 = packet.slice();
      this.hs2 = frame(HandshakeType.Hs2, this.noise.writeMessage(this.ourIdentity()));
      return { kind: 'send', packet: this.hs2 };
    }
    if (type === HandshakeType.Hs3 && this.hs2 && !this.result) {
      const payload = this.tryRead(body);
      if (!payload) return { kind: 'ignored' };
      this.result = { ...this.noise.result(), remoteIdentity: this.verifyPeer(payload) };
      return { kind: 'done', result: this.result };
    }
    return { kind: 'ignored' };
  }

  /** Our identity payload: the Ed25519 key and its signature over our X25519 static key. */
  private ourIdentity(): Uint8Array {
    return signStatic(this.options.identity, this.s.publicKey);
  }

  /** The peer's Ed25519 key from its payload, checked against the static key and the pin. */
  private verifyPeer(payload: Uint8Array): Uint8Array {
    return verifyStatic(payload, this.noise.remoteStatic as Uint8Array, this.options.pinned);
  }

  /** Reads a Noise message on a copy of the state; keeps the copy only if it decrypted. */
  private tryRead(body: Uint8Array): Uint8Array | undefined {
    const copy = this.noise.fork();
    try {
      const payload = copy.readMessage(body);
      this.noise = copy;
      return payload;
    } catch (err) {
      if (err instanceof TransportError) return undefined;
      throw err;
    }
  }
}

function frame(type: number, message: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(type), message);
}
