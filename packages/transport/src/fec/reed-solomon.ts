/**
 * A systematic Reed-Solomon erasure code over GF(256): k data shards, m parity shards, any k of the
 * k + m recover the data. The parity rows form a Cauchy matrix, C[j][i] = 1 / (x_j + y_i) with
 * x_j = k + j and y_i = i, so every square submatrix of [I; C] is invertible (the MDS property;
 * Blömer et al., "An XOR-based erasure-resilient coding scheme", 1995). Shards of one group have
 * equal length; the caller pads.
 */
import { gfInv, gfInvertMatrix, gfMulAddInto } from './gf256.js';

export class ReedSolomon {
  private readonly parityRows: number[][];

  constructor(
    readonly dataShards: number,
    readonly parityShards: number,
  ) {
    if (dataShards < 1 || parityShards < 0 || dataShards + parityShards > 256) {
      throw new RangeError(`Reed-Solomon ${dataShards}+${parityShards} is out of range`);
    }
    this.parityRows = Array.from({ length: parityShards }, (_, j) =>
      Array.from({ length: dataShards }, (_, i) => gfInv((dataShards + j) ^ i)),
    );
  }

  /** The m parity shards of k equal-length data shards. */
  encode(data: readonly Uint8Array[]): Uint8Array[] {
    const size = data[0]?.length ?? 0;
    return this.parityRows.map((row) => {
      const out = new Uint8Array(size);
      row.forEach((c, i) => gfMulAddInto(out, data[i] as Uint8Array, c));
      return out;
    });
  }

  /**
   * Rebuilds missing data shards in place from any k present shards (indices 0..k-1 data, then
   * parity). Returns the indices it rebuilt, or undefined if fewer than k shards are present.
   */
  reconstruct(shards: (Uint8Array | undefined)[]): number[] | undefined {
    const k = this.dataShards;
    const present = shards.flatMap((s, i) => (s ? [i] : [])).slice(0, k);
    if (present.length < k) return undefined;
    const missing = Array.from({ length: k }, (_, i) => i).filter((i) => !shards[i]);
    if (missing.length === 0) return [];
    const rows = present.map((i) =>
      i < k ? Array.from({ length: k }, (_, c) => (c === i ? 1 : 0)) : (this.parityRows[i - k] as number[]),
    );
    const inverse = gfInvertMatrix(rows);
    if (!inverse) return undefined;
    const size = (shards[present[0] as number] as Uint8Array).length;
    for (const i of missing) {
      const out = new Uint8Array(size);
      (inverse[i] as number[]).forEach((c, j) =>
        gfMulAddInto(out, shards[present[j] as number] as Uint8Array, c),
      );
      shards[i] = out;
    }
    return missing;
  }
}
