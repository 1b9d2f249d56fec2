/**
 * Arithmetic in GF(2^8) with the primitive polynomial x^8 + x^4 + x^3 + x^2 + 1 (0x11d), the field
 * Reed-Solomon erasure codes commonly use (as klauspost/reedsolomon, which kcp-go uses). Addition
 * is XOR; multiplication goes through log/exp tables.
 */
const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255] as number;
}

export function gfMul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return EXP[(LOG[a] as number) + (LOG[b] as number)] as number;
}

export function gfInv(a: number): number {
  if (a === 0) throw new RangeError('0 has no inverse in GF(256)');
  return EXP[255 - (LOG[a] as number)] as number;
}

/** out ^= c * src, byte by byte: the inner loop of encoding and decoding. */
export function gfMulAddInto(out: Uint8Array, src: Uint8Array, c: number): void {
  if (c === 0) return;
  const logC = LOG[c] as number;
  const n = Math.min(out.length, src.length);
  for (let i = 0; i < n; i++) {
    const s = src[i] as number;
    if (s !== 0) out[i] = (out[i] as number) ^ (EXP[(LOG[s] as number) + logC] as number);
  }
}

/** Inverts a square matrix over GF(256) by Gauss-Jordan elimination; undefined if singular. */
export function gfInvertMatrix(m: number[][]): number[][] | undefined {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    const pivot = a.findIndex((row, r) => r >= col && row[col] !== 0);
    if (pivot < 0) return undefined;
    [a[col], a[pivot]] = [a[pivot] as number[], a[col] as number[]];
    const row = a[col] as number[];
    const inv = gfInv(row[col] as number);
    for (let j = 0; j < 2 * n; j++) row[j] = gfMul(row[j] as number, inv);
    for (let r = 0; r < n; r++) {
      const other = a[r] as number[];
      const f = other[col] as number;
      if (r === col || f === 0) continue;
      for (let j = 0; j < 2 * n; j++) other[j] = (other[j] as number) ^ gfMul(f, row[j] as number);
    }
  }
  return a.map((row) => row.slice(n));
}
