/**
 * SDP validation: sdp-transform parses (it accepts almost anything without complaint), and these
 * rules decide whether a description may reach werift. RFC 8866 §5 line order for the session part
 * (`v=0` first, then `o=`, `s=`, and `t=` before the first `m=`), at least one `m=` section, and the
 * ICE and DTLS attributes JSEP requires (RFC 8829 §5.8, RFC 8839 §5.4, RFC 8122 §5): `ice-ufrag`,
 * `ice-pwd` and `fingerprint` in every section that is not rejected (port 0 without bundle-only), or
 * at session level. Pure; never throws: a failure names its field (`o=`, `m=[1]`, `a=ice-pwd`, ...).
 */
import { parse, type SessionDescription } from 'sdp-transform';
import { fail, ok, WebRtcErrorCode, type Result } from '../errors.js';
import { parseCandidateLine } from './candidate.js';

/** Far above what a browser or device sends with many candidates; the KVS frame limit is 10 KiB. */
export const MAX_SDP_LENGTH = 64 * 1024;

export interface DescriptionInit {
  readonly type: 'offer' | 'answer';
  readonly sdp: string;
}

const bad = <T>(field: string, message: string): Result<T> =>
  fail(WebRtcErrorCode.SdpInvalid, `SDP ${field}: ${message}`, field);

const LINE = /^[a-z]=[^\0]*$/;
const ORIGIN = /^o=\S+ \d{1,20} \d{1,20} IN IP[46] \S+$/;
const TIMING = /^t=\d{1,20} \d{1,20}$/;
const MEDIA = /^m=(audio|video|application|text|message) (\d{1,5})(\/\d+)? ([A-Za-z0-9/]+)( [A-Za-z0-9-]+)+$/;
const UFRAG = /^[A-Za-z0-9+/]{4,256}$/;
const PWD = /^[A-Za-z0-9+/]{22,256}$/;
const FINGERPRINT = /^(sha-1|sha-224|sha-256|sha-384|sha-512|md5|md2) [0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})+$/i;

interface Section {
  readonly name: string;
  readonly attrs: Map<string, string[]>;
  readonly port: number;
}

function attribute(line: string): [string, string] {
  const body = line.slice(2);
  const colon = body.indexOf(':');
  return colon < 0 ? [body, ''] : [body.slice(0, colon), body.slice(colon + 1)];
}

/** Checks the ICE and DTLS attributes a section needs, falling back to the session's. */
function checkSection(s: Section, session: Section): Result<true> {
  const get = (k: string): string | undefined => (s.attrs.get(k) ?? session.attrs.get(k))?.[0];
  const ufrag = get('ice-ufrag');
  if (ufrag === undefined)
    return bad(`${s.name} a=ice-ufrag`, 'missing (in the section or at session level)');
  if (!UFRAG.test(ufrag)) return bad(`${s.name} a=ice-ufrag`, 'must be 4-256 ice-chars');
  const pwd = get('ice-pwd');
  if (pwd === undefined) return bad(`${s.name} a=ice-pwd`, 'missing (in the section or at session level)');
  if (!PWD.test(pwd)) return bad(`${s.name} a=ice-pwd`, 'must be 22-256 ice-chars');
  const fp = get('fingerprint');
  if (fp === undefined) return bad(`${s.name} a=fingerprint`, 'missing (in the section or at session level)');
  if (!FINGERPRINT.test(fp)) return bad(`${s.name} a=fingerprint`, 'must be "<hash-func> XX:XX:..."');
  const setup = s.attrs.get('setup')?.[0] ?? session.attrs.get('setup')?.[0];
  if (setup !== undefined && !/^(active|passive|actpass|holdconn)$/.test(setup))
    return bad(`${s.name} a=setup`, 'must be active, passive, actpass or holdconn');
  for (const c of s.attrs.get('candidate') ?? []) {
    const r = parseCandidateLine(c);
    if (!r.ok) return bad(`${s.name} a=candidate`, r.error.message);
  }
  return ok(true);
}

/** Validates SDP text by our rules, then parses it with sdp-transform. */
export function validateSdp(sdp: unknown): Result<SessionDescription> {
  if (typeof sdp !== 'string') return bad('sdp', 'not a string');
  if (sdp.length === 0) return bad('sdp', 'empty');
  if (sdp.length > MAX_SDP_LENGTH) return bad('sdp', `longer than ${MAX_SDP_LENGTH} characters`);
  const lines = sdp.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines[0] !== 'v=0') return bad('v=', 'the first line must be "v=0"');
  if (!ORIGIN.test(lines[1] ?? ''))
    return bad('o=', 'the second line must be "o=<user> <id> <version> IN IP4|IP6 <addr>"');
  if (!/^s=./.test(lines[2] ?? '')) return bad('s=', 'the third line must be a non-empty "s="');
  const session: Section = { name: 'session', attrs: new Map(), port: 1 };
  const sections: Section[] = [];
  let current = session;
  let timing = false;
  for (let i = 3; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (!LINE.test(line)) return bad(`line ${i + 1}`, 'not "<type>=<value>"');
    if (line.startsWith('t=')) {
      if (current !== session) return bad('t=', 'after the first m= line');
      if (!TIMING.test(line)) return bad('t=', 'must be "t=<start> <stop>"');
      timing = true;
    } else if (line.startsWith('m=')) {
      const m = MEDIA.exec(line);
      const name = `m=[${sections.length}]`;
      if (!m) return bad(name, 'must be "m=<media> <port> <proto> <fmt> ..."');
      if (Number(m[2]) > 65535) return bad(name, 'port over 65535');
      current = { name, attrs: new Map(), port: Number(m[2]) };
      sections.push(current);
    } else if (line.startsWith('a=')) {
      const [k, v] = attribute(line);
      const list = current.attrs.get(k) ?? [];
      list.push(v);
      current.attrs.set(k, list);
    }
  }
  if (!timing) return bad('t=', 'missing from the session part');
  if (sections.length === 0) return bad('m=', 'no media section');
  for (const s of sections) {
    if (s.port === 0 && !s.attrs.has('bundle-only')) continue; // rejected: nothing to check
    const r = checkSection(s, session);
    if (!r.ok) return r;
  }
  try {
    return ok(parse(sdp));
  } catch (err) {
    return bad('sdp', `sdp-transform: ${(err as Error).message}`);
  }
}

/** Checks a description object from signaling (`{type, sdp}`) as `type`, and its SDP. */
export function validateDescription(v: unknown, type: 'offer' | 'answer'): Result<DescriptionInit> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('payload', 'not an object');
  const o = v as Record<string, unknown>;
  if (o['type'] !== type) return bad('type', `must be "${type}"`);
  const r = validateSdp(o['sdp']);
  if (!r.ok) return r;
  return ok({ type, sdp: o['sdp'] as string });
}
