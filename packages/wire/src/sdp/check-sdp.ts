/**
 * The structural rules an SDP offer or answer must pass before signaling forwards it (RFC 8866 for the
 * line order, RFC 8839 for ice-ufrag/ice-pwd, RFC 8122 for the fingerprint): `v=0` first, then `o=`,
 * `s=` and `t=` in the session part, at least one `m=` section, and in every `m=` section an
 * `a=ice-ufrag`, an `a=ice-pwd` and an `a=fingerprint` of its own or at session level. Lines are
 * `x=value` with a lower-case letter; CRLF or LF. The rules of the WebRTC issue (#17): a parser such
 * as sdp-transform accepts garbage, so these come first. Pure; never throws.
 */
export type SdpCheck =
  | { readonly ok: true; readonly mediaSections: number }
  | { readonly ok: false; readonly field: string; readonly reason: string };

/** Longest SDP accepted (a browser's offer with many codecs and candidates stays far below). */
export const MAX_SDP_LENGTH = 64 * 1024;

const LINE = /^([a-z])=(.*)$/;
const SESSION_ATTRS = ['ice-ufrag', 'ice-pwd', 'fingerprint'] as const;

const fail = (field: string, reason: string): SdpCheck => ({ ok: false, field, reason });

export function checkSdp(sdp: string): SdpCheck {
  if (sdp.length === 0) return fail('v', 'the SDP is empty');
  if (sdp.length > MAX_SDP_LENGTH) return fail('sdp', `the SDP is over ${MAX_SDP_LENGTH} characters`);
  const lines = sdp.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  const session = new Set<string>();
  const sessionLetters = new Set<string>();
  const sections: Set<string>[] = [];
  for (const [i, line] of lines.entries()) {
    const m = LINE.exec(line);
    if (!m) return fail(`line ${i + 1}`, `not an SDP line: ${JSON.stringify(line.slice(0, 40))}`);
    const [, letter, value] = m as unknown as [string, string, string];
    if (i === 0 && (letter !== 'v' || value !== '0')) return fail('v', 'the SDP must start with v=0');
    if (letter === 'm') {
      if (!/^\S+ \d+(\/\d+)? \S+ .+$/.test(value)) return fail(`m (line ${i + 1})`, 'malformed m= line');
      sections.push(new Set());
      continue;
    }
    const attr = letter === 'a' ? /^([^:]+)(?::(.*))?$/.exec(value) : null;
    const name = attr?.[1];
    if (name === 'fingerprint' && !/^\S+ [0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})+$/.test(attr?.[2] ?? ''))
      return fail(`a=fingerprint (line ${i + 1})`, 'a fingerprint is a hash name and hex bytes');
    if ((name === 'ice-ufrag' || name === 'ice-pwd') && !attr?.[2])
      return fail(`a=${name} (line ${i + 1})`, `a=${name} has no value`);
    const current = sections[sections.length - 1];
    if (current) {
      if (name) current.add(name);
    } else {
      sessionLetters.add(letter);
      if (name) session.add(name);
    }
  }
  for (const letter of ['o', 's', 't'])
    if (!sessionLetters.has(letter)) return fail(letter, `the session part has no ${letter}= line`);
  if (sections.length === 0) return fail('m', 'the SDP has no m= section');
  for (const [i, section] of sections.entries())
    for (const a of SESSION_ATTRS)
      if (!section.has(a) && !session.has(a))
        return fail(`a=${a}`, `m= section ${i} has no a=${a} (nor has the session)`);
  return { ok: true, mediaSections: sections.length };
}
