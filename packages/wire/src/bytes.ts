/**
 * Small byte helpers shared by the codecs. Browser-safe: `Uint8Array`, `DataView`,
 * `TextEncoder`/`TextDecoder` only (no `Buffer`).
 */

const utf8Encoder = new TextEncoder();
// fatal: a malformed sequence is an error, not a silent U+FFFD (hostile input must not "decode").
// ignoreBOM: keep a leading U+FEFF as data; STUN text has no byte-order mark semantics.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function utf8Encode(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

/** Strict UTF-8 decode; `undefined` when the bytes are not valid UTF-8. */
export function utf8Decode(bytes: Uint8Array): string | undefined {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** A fresh, plain `Uint8Array` copy (never a view, even when given a Node `Buffer`). */
export function copyBytes(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array {
  return new Uint8Array(bytes.subarray(start, end));
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function readU16(bytes: Uint8Array, at: number): number {
  return ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
}

export function readU32(bytes: Uint8Array, at: number): number {
  return (
    (((bytes[at] ?? 0) << 24) |
      ((bytes[at + 1] ?? 0) << 16) |
      ((bytes[at + 2] ?? 0) << 8) |
      (bytes[at + 3] ?? 0)) >>>
    0
  );
}

export function writeU16(bytes: Uint8Array, at: number, v: number): void {
  bytes[at] = (v >>> 8) & 0xff;
  bytes[at + 1] = v & 0xff;
}

export function writeU32(bytes: Uint8Array, at: number, v: number): void {
  bytes[at] = (v >>> 24) & 0xff;
  bytes[at + 1] = (v >>> 16) & 0xff;
  bytes[at + 2] = (v >>> 8) & 0xff;
  bytes[at + 3] = v & 0xff;
}

/** Rounds an attribute value length up to the 32-bit boundary (RFC 8489 §14). */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Byte equality in time that depends only on the lengths, for comparing MACs. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

export function isUint(n: number, max: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= max;
}
