/**
 * ICE candidate lines (RFC 8839 §5.1) and the candidate objects signaling carries them in
 * (`{candidate, sdpMid, sdpMLineIndex}`, W3C RTCIceCandidateInit). Pure; never throws: a candidate
 * that fails is refused with the failing field named.
 */
import { fail, ok, WebRtcErrorCode, type Result } from '../errors.js';

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

export interface CandidateLine {
  readonly foundation: string;
  readonly component: number;
  readonly transport: 'udp' | 'tcp';
  readonly priority: number;
  /** An IP address, or an mDNS name (`<uuid>.local`) as browsers hide host addresses behind. */
  readonly address: string;
  readonly port: number;
  readonly type: CandidateType;
}

export interface CandidateInit {
  /** The line with its `candidate:` prefix, or '' for end-of-candidates. */
  readonly candidate: string;
  readonly sdpMid: string | null;
  readonly sdpMLineIndex: number | null;
  readonly usernameFragment?: string | null;
}

const ICE_CHARS = /^[A-Za-z0-9+/]{1,32}$/;
const DIGITS = (max: number) => new RegExp(`^[0-9]{1,${max}}$`);
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const TYPES: readonly string[] = ['host', 'srflx', 'prflx', 'relay'];

const bad = <T>(field: string, message: string): Result<T> =>
  fail(WebRtcErrorCode.CandidateInvalid, `candidate ${field}: ${message}`, field);

function isAddress(a: string): boolean {
  return IPV4.test(a) || (a.includes(':') && IPV6.test(a)) || HOSTNAME.test(a);
}

function isPort(p: string): boolean {
  return DIGITS(5).test(p) && Number(p) <= 65535;
}

/** Parses `candidate:...` (or the line without its prefix, or `a=candidate:...`). */
export function parseCandidateLine(line: string): Result<CandidateLine> {
  if (typeof line !== 'string') return bad('candidate', 'not a string');
  if (line.length > 1024) return bad('candidate', 'longer than 1024 characters');
  const text = line.replace(/^a=/, '').replace(/^candidate:/, '');
  const f = text.trim().split(/\s+/);
  const [foundation, component, transport, priority, address, port, typ, type] = f;
  if (foundation === undefined || !ICE_CHARS.test(foundation))
    return bad('foundation', 'must be 1-32 ice-chars');
  if (
    component === undefined ||
    !DIGITS(3).test(component) ||
    Number(component) < 1 ||
    Number(component) > 256
  )
    return bad('component', 'must be 1-256');
  if (transport === undefined || !/^(udp|tcp)$/i.test(transport))
    return bad('transport', 'must be UDP or TCP');
  if (priority === undefined || !DIGITS(10).test(priority) || Number(priority) > 0xffffffff)
    return bad('priority', 'must be 1-10 digits up to 2^32-1');
  if (address === undefined || !isAddress(address))
    return bad('connection-address', 'must be an IP address or a host name');
  if (port === undefined || !isPort(port)) return bad('port', 'must be 0-65535');
  if (typ !== 'typ' || type === undefined || !TYPES.includes(type))
    return bad('typ', 'must be "typ host|srflx|prflx|relay"');
  for (let i = 8; i < f.length; i += 2) {
    const name = f[i] ?? '';
    const value = f[i + 1];
    if (value === undefined) return bad(name, 'extension attribute without a value');
    if (name === 'raddr' && !isAddress(value)) return bad('raddr', 'must be an address');
    if (name === 'rport' && !isPort(value)) return bad('rport', 'must be 0-65535');
    if (!/^[A-Za-z0-9+/-]{1,64}$/.test(name))
      return bad('extension', `bad attribute name ${JSON.stringify(name)}`);
  }
  return ok({
    foundation,
    component: Number(component),
    transport: transport.toLowerCase() as 'udp' | 'tcp',
    priority: Number(priority),
    address,
    port: Number(port),
    type: type as CandidateType,
  });
}

/**
 * Checks a candidate object from signaling: `candidate` a valid line or '' (end of candidates),
 * `sdpMid` a short string or null, `sdpMLineIndex` a small integer or null, at least one of the two.
 */
export function validateCandidateInit(v: unknown): Result<CandidateInit> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('payload', 'not an object');
  const o = v as Record<string, unknown>;
  const candidate = o['candidate'];
  if (typeof candidate !== 'string') return bad('candidate', 'not a string');
  const mid = o['sdpMid'] ?? null;
  if (mid !== null && (typeof mid !== 'string' || mid.length > 64))
    return bad('sdpMid', 'not a short string');
  const index = o['sdpMLineIndex'] ?? null;
  if (index !== null && (!Number.isInteger(index) || (index as number) < 0 || (index as number) > 1023))
    return bad('sdpMLineIndex', 'not an integer 0-1023');
  if (mid === null && index === null) return bad('sdpMid', 'neither sdpMid nor sdpMLineIndex is given');
  const ufrag = o['usernameFragment'] ?? null;
  if (ufrag !== null && (typeof ufrag !== 'string' || ufrag.length > 256))
    return bad('usernameFragment', 'not a short string');
  if (candidate !== '') {
    const line = parseCandidateLine(candidate);
    if (!line.ok) return line;
  }
  return ok({
    candidate,
    sdpMid: mid as string | null,
    sdpMLineIndex: index as number | null,
    usernameFragment: ufrag as string | null,
  });
}
