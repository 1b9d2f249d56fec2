/**
 * Keys for MESSAGE-INTEGRITY(-SHA256) and the USERHASH value (RFC 8489 §9.1.1, §9.2.2, §14.4).
 *
 * RFC 8489 prepares strings with the PRECIS OpaqueString profile (RFC 8265); RFC 5389 used
 * SASLprep (RFC 4013). They agree on ASCII, and the RFC 5769 test vectors (still the reference
 * vectors for RFC 8489) need SASLprep's NFKC mapping ('The\u00adM\u00aatr\u2168' becomes
 * 'TheMatrIX'), so this module applies SASLprep wherever the RFC says OpaqueString.
 */
import { md5 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8Encode } from '../bytes.js';
import { WireError, WireErrorCode } from '../errors.js';
import { PasswordAlgorithm } from './constants.js';
import { saslprep } from './saslprep.js';

/**
 * SASLprep (RFC 4013) with unassigned code points refused, standing in for OpaqueString.
 * Throws a WireError (WIRE_INVALID_ARGUMENT) for prohibited input such as control characters.
 */
export function prepareCredential(s: string): string {
  try {
    return saslprep(s);
  } catch (cause) {
    throw new WireError(
      WireErrorCode.InvalidArgument,
      'string is not allowed by SASLprep (RFC 4013)',
      undefined,
      {
        cause,
      },
    );
  }
}

/** Short-term credential key: the prepared password as UTF-8 (RFC 8489 §9.1.1). */
export function shortTermKey(password: string): Uint8Array {
  return utf8Encode(prepareCredential(password));
}

/**
 * Long-term credential key (RFC 8489 §9.2.2):
 * `MD5(username ":" OpaqueString(realm) ":" OpaqueString(password))`, or SHA-256 of the same
 * string when the PASSWORD-ALGORITHM negotiated is SHA-256. The username is used as received:
 * the sender prepared it before putting it in USERNAME (§14.3).
 */
export function longTermKey(
  username: string,
  realm: string,
  password: string,
  algorithm: number = PasswordAlgorithm.Md5,
): Uint8Array {
  const input = utf8Encode(`${username}:${prepareCredential(realm)}:${prepareCredential(password)}`);
  if (algorithm === PasswordAlgorithm.Md5) return md5(input);
  if (algorithm === PasswordAlgorithm.Sha256) return sha256(input);
  throw new WireError(WireErrorCode.InvalidArgument, `unknown password algorithm ${algorithm}`);
}

/** USERHASH value: `SHA-256(OpaqueString(username) ":" OpaqueString(realm))`, 32 bytes (§14.4). */
export function computeUserhash(username: string, realm: string): Uint8Array {
  return sha256(utf8Encode(`${prepareCredential(username)}:${prepareCredential(realm)}`));
}
