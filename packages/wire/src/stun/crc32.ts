/**
 * CRC-32 as used by FINGERPRINT (RFC 8489 §14.7): the ITU V.42 / IEEE 802.3 polynomial
 * 0x04C11DB7 in its reflected form 0xEDB88320, initial value and final XOR 0xFFFFFFFF, the same
 * CRC as RFC 1952 §8 (gzip). Table driven, one byte at a time; STUN messages are small.
 */

const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of `bytes` as an unsigned 32-bit number. crc32('123456789') === 0xcbf43926. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) {
    c = (TABLE[(c ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}
