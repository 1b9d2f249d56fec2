/**
 * SASLprep (RFC 4013, a stringprep profile of RFC 3454), pure and browser-safe: the string
 * preparation STUN long-term credentials use (RFC 5389 §15.4; the RFC 5769 vectors depend on it).
 *
 * Steps: map (§2.1: non-ASCII spaces to U+0020, "commonly mapped to nothing" characters removed),
 * normalise with NFKC (§2.2), refuse prohibited output (§2.3) and enforce the bidi rule (§2.4).
 * Unassigned code points are allowed, as for stringprep "queries": this only prepares input to a
 * hash, it never stores identifiers.
 */
/* eslint-disable no-misleading-character-class -- these classes list RFC 3454 table code points, combining marks and joiners included, on purpose */

/** RFC 3454 table C.1.2: non-ASCII space characters. */
const NON_ASCII_SPACE = /[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/gu;
/** RFC 3454 table B.1: commonly mapped to nothing. */
const MAPPED_TO_NOTHING = /[\u00ad\u034f\u1806\u180b-\u180d\u200b-\u200d\u2060\ufe00-\ufe0f\ufeff]/gu;

/**
 * RFC 3454 tables C.1.2, C.2.1, C.2.2, C.3, C.4, C.5, C.6, C.7, C.8 and C.9 (RFC 4013 §2.3).
 * Lone surrogates (C.5) cannot survive as code points in a well-formed string; checked separately.
 */
const PROHIBITED = new RegExp(
  [
    '[\\u00a0\\u1680\\u2000-\\u200b\\u202f\\u205f\\u3000]', // C.1.2
    '[\\u0000-\\u001f\\u007f]', // C.2.1
    '[\\u0080-\\u009f\\u06dd\\u070f\\u180e\\u200c\\u200d\\u2028\\u2029\\u2060-\\u2063\\u206a-\\u206f\\ufeff\\ufff9-\\ufffc]', // C.2.2
    '[\\u{1d173}-\\u{1d17a}]', // C.2.2 (musical symbols)
    '[\\ue000-\\uf8ff\\u{f0000}-\\u{ffffd}\\u{100000}-\\u{10fffd}]', // C.3 private use
    '[\\ufdd0-\\ufdef\\ufffe\\uffff]', // C.4 non-characters (BMP)
    '[\\u{1fffe}\\u{1ffff}\\u{2fffe}\\u{2ffff}\\u{3fffe}\\u{3ffff}\\u{4fffe}\\u{4ffff}\\u{5fffe}\\u{5ffff}\\u{6fffe}\\u{6ffff}\\u{7fffe}\\u{7ffff}\\u{8fffe}\\u{8ffff}\\u{9fffe}\\u{9ffff}\\u{afffe}\\u{affff}\\u{bfffe}\\u{bffff}\\u{cfffe}\\u{cffff}\\u{dfffe}\\u{dffff}\\u{efffe}\\u{effff}\\u{ffffe}\\u{fffff}\\u{10fffe}\\u{10ffff}]', // C.4
    '[\\ufff9-\\ufffd]', // C.6
    '[\\u2ff0-\\u2ffb]', // C.7
    '[\\u0340\\u0341\\u200e\\u200f\\u202a-\\u202e\\u206a-\\u206f]', // C.8
    '[\\u{e0001}\\u{e0020}-\\u{e007f}]', // C.9
  ].join('|'),
  'u',
);

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;

/**
 * RandALCat (RFC 3454 D.1: bidi R and AL) approximated by the right-to-left scripts; LCat (D.2)
 * by letters of every other script. Exact Bidi_Class tables are not available to JS regexes.
 */
const RAND_AL =
  /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}]/u;
const L_CAT =
  /(?![\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}])\p{L}/u;

export class SaslprepError extends Error {}

/** Prepares `input` per RFC 4013. Throws SaslprepError on prohibited output or a bidi violation. */
export function saslprep(input: string): string {
  if (LONE_SURROGATE.test(input)) throw new SaslprepError('lone surrogate (RFC 3454 C.5)');
  const mapped = input.replace(MAPPED_TO_NOTHING, '').replace(NON_ASCII_SPACE, ' ');
  const out = mapped.normalize('NFKC');
  const bad = PROHIBITED.exec(out);
  if (bad) {
    const cp = bad[0].codePointAt(0) ?? 0;
    throw new SaslprepError(`prohibited character U+${cp.toString(16).toUpperCase().padStart(4, '0')}`);
  }
  if (RAND_AL.test(out)) {
    if (L_CAT.test(out))
      throw new SaslprepError('mixes right-to-left and left-to-right characters (RFC 3454 §6)');
    const chars = [...out];
    if (!RAND_AL.test(chars[0] ?? '') || !RAND_AL.test(chars[chars.length - 1] ?? '')) {
      throw new SaslprepError('right-to-left text must start and end with a right-to-left character');
    }
  }
  return out;
}
