/**
 * PASSWORD-ALGORITHMS (RFC 8489 §14.11) and PASSWORD-ALGORITHM (§14.12): which hash turns the
 * long-term password into a key, negotiated to stop bid-down attacks (§9.2.5).
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |          Algorithm            |  Algorithm Parameters Length  |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |          Algorithm Parameters (variable, padded to 32 bits)  ...
 *
 * PASSWORD-ALGORITHMS is a list of these entries; PASSWORD-ALGORITHM is exactly one.
 */
import { pad4, readU16, writeU16 } from '../bytes.js';
import { fail, ok, type Result, WireError, WireErrorCode } from '../errors.js';

export interface PasswordAlgorithmEntry {
  algorithm: number;
  parameters: Uint8Array;
}

function encodeEntries(entries: readonly PasswordAlgorithmEntry[]): Uint8Array {
  let total = 0;
  for (const e of entries) {
    if (!Number.isInteger(e.algorithm) || e.algorithm < 0 || e.algorithm > 0xffff) {
      throw new WireError(WireErrorCode.InvalidArgument, `algorithm ${e.algorithm} does not fit 16 bits`);
    }
    total += 4 + pad4(e.parameters.length);
  }
  if (total > 0xffff) throw new WireError(WireErrorCode.InvalidArgument, 'password algorithms too long');
  const out = new Uint8Array(total);
  let at = 0;
  for (const e of entries) {
    writeU16(out, at, e.algorithm);
    writeU16(out, at + 2, e.parameters.length);
    out.set(e.parameters, at + 4);
    at += 4 + pad4(e.parameters.length);
  }
  return out;
}

function decodeEntries(value: Uint8Array): Result<PasswordAlgorithmEntry[]> {
  const entries: PasswordAlgorithmEntry[] = [];
  let at = 0;
  while (at < value.length) {
    if (at + 4 > value.length) return fail(WireErrorCode.StunBadAttribute, 'truncated algorithm entry', at);
    const length = readU16(value, at + 2);
    // The last entry's padding may fall outside the attribute value (it is the TLV's padding).
    if (at + 4 + length > value.length) {
      return fail(
        WireErrorCode.StunBadAttribute,
        `algorithm parameters of ${length} bytes run past the value`,
        at,
      );
    }
    entries.push({
      algorithm: readU16(value, at),
      parameters: new Uint8Array(value.subarray(at + 4, at + 4 + length)),
    });
    at += 4 + pad4(length);
  }
  return ok(entries);
}

/** Encodes PASSWORD-ALGORITHMS, the server's list in order of preference. */
export function encodePasswordAlgorithms(entries: readonly PasswordAlgorithmEntry[]): Uint8Array {
  return encodeEntries(entries);
}

export function decodePasswordAlgorithms(value: Uint8Array): Result<PasswordAlgorithmEntry[]> {
  return decodeEntries(value);
}

/** Encodes PASSWORD-ALGORITHM, the one the client chose. */
export function encodePasswordAlgorithm(entry: PasswordAlgorithmEntry): Uint8Array {
  return encodeEntries([entry]);
}

/** Decodes PASSWORD-ALGORITHM; exactly one entry. */
export function decodePasswordAlgorithm(value: Uint8Array): Result<PasswordAlgorithmEntry> {
  const entries = decodeEntries(value);
  if (!entries.ok) return entries;
  const [first, ...rest] = entries.value;
  if (first === undefined || rest.length > 0) {
    return fail(WireErrorCode.StunBadAttribute, 'PASSWORD-ALGORITHM must hold exactly one algorithm', 0);
  }
  return ok(first);
}
