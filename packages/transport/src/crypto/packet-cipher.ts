/**
 * Per-packet encryption for the DATA packets of a session: ChaCha20-Poly1305 (RFC 8439) with the
 * Noise nonce layout, an explicit counter so datagrams may arrive in any order, a replay window, and
 * rekeying with Noise's REKEY (§11.3) per direction.
 *
 * ```
 * +------+-------+------------------+--------------------------+---------+
 * | 0x04 | epoch | counter u64 (LE) | ChaCha20-Poly1305 output |   tag   |
 * +------+-------+------------------+--------------------------+---------+
 *   1 B     1 B         8 B            plaintext length            16 B
 * ```
 *
 * The 10-byte header is the associated data, so it cannot be altered either. Each epoch's key is
 * REKEY of the previous one and its counter starts at 0; (key, nonce) never repeats.
 */
import { type Aead, nobleAead, rekey, TAGLEN } from './noise-primitives.js';
import { ReplayWindow } from './replay-window.js';

export const DATA_PACKET_TYPE = 4;
export const DATA_HEADER_LENGTH = 10;
/** Bytes a DATA packet adds to its plaintext. */
export const DATA_OVERHEAD = DATA_HEADER_LENGTH + TAGLEN;
/** How many epochs ahead of ours a packet may be and still be tried (the rest were all lost). */
const MAX_EPOCH_SKIP = 3;

export interface RekeyPolicy {
  /** Rekey the sending direction after this many packets (default 1,000,000). */
  rekeyAfterPackets?: number;
  /** ... or after this many ms on the current key (default 120,000). */
  rekeyAfterMs?: number;
}

/** Why `open` refused a packet; counted by the session. */
export type OpenFailure = 'malformed' | 'replayed' | 'stale-epoch' | 'unauthenticated';

interface ReceiveEpoch {
  epoch: number;
  key: Uint8Array;
  window: ReplayWindow;
}

export class PacketCipher {
  private sendKey: Uint8Array;
  private sendEpoch = 0;
  private sendCounter = 0;
  private sendEpochStartedAt: number;
  private current: ReceiveEpoch;
  private previous: ReceiveEpoch | undefined;
  private readonly rekeyAfterPackets: number;
  private readonly rekeyAfterMs: number;

  constructor(
    sendKey: Uint8Array,
    receiveKey: Uint8Array,
    now: number,
    policy: RekeyPolicy = {},
    private readonly aead: Aead = nobleAead,
  ) {
    this.sendKey = sendKey;
    this.sendEpochStartedAt = now;
    this.current = { epoch: 0, key: receiveKey, window: new ReplayWindow() };
    this.rekeyAfterPackets = policy.rekeyAfterPackets ?? 1_000_000;
    this.rekeyAfterMs = policy.rekeyAfterMs ?? 120_000;
  }

  /** The epoch of the sending key (mod 256 on the wire); grows by one per rekey. */
  get epoch(): number {
    return this.sendEpoch;
  }

  /** Encrypts one packet, rekeying first if the policy says so. */
  seal(plaintext: Uint8Array, now: number): Uint8Array {
    if (this.sendCounter >= this.rekeyAfterPackets || now - this.sendEpochStartedAt >= this.rekeyAfterMs) {
      this.sendKey = rekey(this.sendKey);
      this.sendEpoch++;
      this.sendCounter = 0;
      this.sendEpochStartedAt = now;
    }
    const header = new Uint8Array(DATA_HEADER_LENGTH);
    header[0] = DATA_PACKET_TYPE;
    header[1] = this.sendEpoch & 0xff;
    const counter = BigInt(this.sendCounter++);
    new DataView(header.buffer).setBigUint64(2, counter, true);
    const sealed = this.aead.encrypt(this.sendKey, counter, header, plaintext);
    const packet = new Uint8Array(DATA_HEADER_LENGTH + sealed.length);
    packet.set(header);
    packet.set(sealed, DATA_HEADER_LENGTH);
    return packet;
  }

  /** Decrypts one packet: its plaintext, or why it was refused. Never throws. */
  open(packet: Uint8Array): { ok: true; plaintext: Uint8Array } | { ok: false; reason: OpenFailure } {
    if (packet.length < DATA_OVERHEAD || packet[0] !== DATA_PACKET_TYPE)
      return { ok: false, reason: 'malformed' };
    const header = packet.subarray(0, DATA_HEADER_LENGTH);
    const wireEpoch = packet[1] as number;
    const big = new DataView(packet.buffer, packet.byteOffset + 2, 8).getBigUint64(0, true);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, reason: 'malformed' };
    const counter = Number(big);
    const body = packet.subarray(DATA_HEADER_LENGTH);

    const ahead = (wireEpoch - (this.current.epoch & 0xff) + 256) & 0xff;
    if (ahead === 0 || (this.previous && wireEpoch === (this.previous.epoch & 0xff))) {
      const slot = ahead === 0 ? this.current : (this.previous as ReceiveEpoch);
      if (!slot.window.check(counter)) return { ok: false, reason: 'replayed' };
      const plaintext = this.aead.decrypt(slot.key, big, header, body);
      if (!plaintext) return { ok: false, reason: 'unauthenticated' };
      slot.window.commit(counter);
      return { ok: true, plaintext };
    }
    if (ahead > MAX_EPOCH_SKIP) return { ok: false, reason: 'stale-epoch' };
    let key = this.current.key;
    for (let i = 0; i < ahead; i++) key = rekey(key);
    const plaintext = this.aead.decrypt(key, big, header, body);
    if (!plaintext) return { ok: false, reason: 'unauthenticated' };
    // Authenticated under a newer key: the peer rekeyed. Keep the old epoch for stragglers.
    this.previous = this.current;
    this.current = { epoch: this.current.epoch + ahead, key, window: new ReplayWindow() };
    this.current.window.commit(counter);
    return { ok: true, plaintext };
  }
}
