/**
 * Forward error correction for a session: consecutive KCP datagrams form a group of k data shards,
 * followed by m Reed-Solomon parity shards, so the receiver can rebuild up to m lost datagrams of
 * a group without waiting a round trip for KCP to retransmit. The code is systematic: data shards
 * go out at once and unchanged, so FEC adds no delay to data that arrives.
 *
 * Shard formats, inside an encrypted DATA packet (docs/transport.md):
 * ```
 * data:   [3] [group u32 LE] [index u8]                        [KCP datagram]
 * parity: [4] [group u32 LE] [index u8] [k u8] [m u8]          [parity bytes]
 * ```
 * Parity covers each datagram as `[length u16 LE][bytes]` zero-padded to the group's longest, so a
 * rebuilt shard knows its length. A group closes when it has k shards, or after `flushAfterMs`
 * with fewer (k is then what it holds); parity shards carry the final k.
 *
 * The ratio adapts to the loss the receiver reports, per the requirement's table:
 * < 1% 10:1, 1-5% 8:2, 5-10% 6:3, 10-20% 4:4, > 20% 3:5.
 */
import { ReedSolomon } from './reed-solomon.js';

export const FEC_DATA = 3;
export const FEC_PARITY = 4;
/** Bytes a data shard adds before the datagram (kind, group, index). */
export const FEC_DATA_OVERHEAD = 6;
/** Bytes of the `[length u16]` prefix the parity covers: the KCP MTU shrinks by this too. */
export const FEC_LENGTH_PREFIX = 2;

/** The requirement's table: data and parity shards for a loss fraction. */
export function fecRatio(loss: number): [number, number] {
  if (loss < 0.01) return [10, 1];
  if (loss < 0.05) return [8, 2];
  if (loss < 0.1) return [6, 3];
  if (loss < 0.2) return [4, 4];
  return [3, 5];
}

const codecs = new Map<string, ReedSolomon>();
function codec(k: number, m: number): ReedSolomon {
  const key = `${k}:${m}`;
  let rs = codecs.get(key);
  if (!rs) codecs.set(key, (rs = new ReedSolomon(k, m)));
  return rs;
}

function prefixed(datagram: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out[0] = datagram.length & 0xff;
  out[1] = datagram.length >> 8;
  out.set(datagram, 2);
  return out;
}

/** The sending half: wraps datagrams into data shards and emits parity when a group closes. */
export class FecEncoder {
  private group = 0;
  private pending: Uint8Array[] = [];
  private openedAt = 0;
  /** The loss fraction the peer last reported. */
  loss = 0;

  constructor(private readonly flushAfterMs = 30) {}

  /** The data shard for `datagram`, plus any parity shards that close its group. */
  wrap(datagram: Uint8Array, now: number): Uint8Array[] {
    if (this.pending.length === 0) this.openedAt = now;
    const shard = new Uint8Array(FEC_DATA_OVERHEAD + datagram.length);
    shard[0] = FEC_DATA;
    new DataView(shard.buffer).setUint32(1, this.group, true);
    shard[5] = this.pending.length;
    shard.set(datagram, FEC_DATA_OVERHEAD);
    this.pending.push(datagram);
    const [k] = fecRatio(this.loss);
    return this.pending.length >= k ? [shard, ...this.close()] : [shard];
  }

  /** Parity for a group left open too long (call from the session's timer). */
  due(now: number): Uint8Array[] {
    return this.pending.length > 0 && now - this.openedAt >= this.flushAfterMs ? this.close() : [];
  }

  /** When `due` next has work, or Infinity. */
  nextWakeAt(): number {
    return this.pending.length > 0 ? this.openedAt + this.flushAfterMs : Infinity;
  }

  private close(): Uint8Array[] {
    const k = this.pending.length;
    const [, m] = fecRatio(this.loss);
    const size = FEC_LENGTH_PREFIX + Math.max(...this.pending.map((d) => d.length));
    const parity = codec(k, m).encode(this.pending.map((d) => prefixed(d, size)));
    const out = parity.map((p, j) => {
      const shard = new Uint8Array(8 + p.length);
      shard[0] = FEC_PARITY;
      new DataView(shard.buffer).setUint32(1, this.group, true);
      shard[5] = k + j;
      shard[6] = k;
      shard[7] = m;
      shard.set(p, 8);
      return shard;
    });
    this.pending = [];
    this.group = (this.group + 1) >>> 0;
    return out;
  }
}

interface Group {
  data: Map<number, Uint8Array>;
  parity: Map<number, Uint8Array>;
  k: number;
  m: number;
  done: boolean;
  measured: boolean;
}

/** A group is counted for the loss report once this many newer groups have started. */
const MEASURE_AFTER_GROUPS = 4;

/** The receiving half: passes data through at once, rebuilds what parity allows, measures loss. */
export class FecDecoder {
  private readonly groups = new Map<number, Group>();
  private newest = -1;
  private expected = 0;
  private received = 0;
  /** Datagrams rebuilt from parity. */
  recovered = 0;

  constructor(private readonly keepGroups = 64) {}

  /** Datagrams to hand to KCP for one shard (the data itself, or what parity rebuilt). */
  accept(shard: Uint8Array): Uint8Array[] {
    if (shard.length < FEC_DATA_OVERHEAD) return [];
    const id = new DataView(shard.buffer, shard.byteOffset + 1, 4).getUint32(0, true);
    const index = shard[5] as number;
    const g = this.group(id);
    if (!g || g.done) return shard[0] === FEC_DATA ? [shard.subarray(FEC_DATA_OVERHEAD)] : [];
    const out: Uint8Array[] = [];
    if (shard[0] === FEC_DATA) {
      if (g.data.has(index)) return [];
      // Copies: the group outlives the packet buffer it came in.
      const datagram = shard.slice(FEC_DATA_OVERHEAD);
      g.data.set(index, datagram);
      out.push(datagram);
    } else {
      if (shard.length < 8 || g.parity.has(index)) return [];
      g.k = shard[6] as number;
      g.m = shard[7] as number;
      if (g.k < 1 || index < g.k || index >= g.k + g.m) return [];
      g.parity.set(index, shard.slice(8));
    }
    return [...out, ...this.rebuild(g)];
  }

  /**
   * The fraction of shards lost in groups a few groups old (for the loss report); resets. Groups
   * whose parity all vanished are not counted (their k is unknown), which errs towards less FEC.
   */
  takeLoss(): number | undefined {
    if (this.expected === 0) return undefined;
    const loss = Math.max(0, 1 - this.received / this.expected);
    this.expected = 0;
    this.received = 0;
    return loss;
  }

  private group(id: number): Group | undefined {
    if (this.newest >= 0 && id + this.keepGroups <= this.newest) return undefined;
    let g = this.groups.get(id);
    if (!g) {
      g = { data: new Map(), parity: new Map(), k: 0, m: 0, done: false, measured: false };
      this.groups.set(id, g);
      if (id > this.newest) {
        this.newest = id;
        for (const [old, og] of this.groups) {
          if (!og.measured && og.k > 0 && old + MEASURE_AFTER_GROUPS <= this.newest) {
            og.measured = true;
            this.expected += og.k + og.m;
            this.received += Math.min(og.data.size, og.k) + og.parity.size;
          }
          if (old + this.keepGroups <= this.newest) this.groups.delete(old);
        }
      }
    }
    return g;
  }

  private rebuild(g: Group): Uint8Array[] {
    if (g.k === 0 || g.data.size >= g.k) {
      if (g.k > 0 && g.data.size >= g.k) g.done = true;
      return [];
    }
    if (g.data.size + g.parity.size < g.k) return [];
    const size = (g.parity.values().next().value as Uint8Array).length;
    const shards: (Uint8Array | undefined)[] = Array.from({ length: g.k + g.m }, (_, i) => {
      const d = g.data.get(i);
      if (d) return d.length + FEC_LENGTH_PREFIX <= size ? prefixed(d, size) : undefined;
      const p = g.parity.get(i);
      return p && p.length === size ? p : undefined;
    });
    const rebuilt = codec(g.k, g.m).reconstruct(shards);
    g.done = true;
    if (!rebuilt) return [];
    const out: Uint8Array[] = [];
    for (const i of rebuilt) {
      const s = shards[i] as Uint8Array;
      const length = (s[0] as number) | ((s[1] as number) << 8);
      if (length + FEC_LENGTH_PREFIX > s.length) continue;
      out.push(s.subarray(FEC_LENGTH_PREFIX, FEC_LENGTH_PREFIX + length));
      this.recovered++;
    }
    return out;
  }
}
