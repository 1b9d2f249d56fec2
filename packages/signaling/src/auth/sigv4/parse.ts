/**
 * What a client claims, parsed: the Authorization header, the credential scope, the signed header
 * list and the request date. Each returns a value or a Failure in AWS's words; none throws.
 */
import { ALGORITHM, SCOPE_TERMINATOR } from './canonical.js';
import { echo, incomplete, invalid, type Failure } from './failures.js';

export interface Credential {
  readonly accessKeyId: string;
  /** YYYYMMDD */
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

export interface AuthorizationParts {
  readonly credential: string;
  readonly signedHeaders: string;
  readonly signature: string;
}

export const isFailure = <T extends object>(v: T | Failure): v is Failure => 'ok' in v && v.ok === false;

const PARAMS = ['Credential', 'SignedHeaders', 'Signature'] as const;

/** `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` (commas or spaces between). */
export function parseAuthorization(value: string): AuthorizationParts | Failure {
  const [scheme = '', ...rest] = value.trim().split(/[\s,]+/);
  if (scheme !== ALGORITHM) {
    return incomplete(`Unsupported AWS 'algorithm': '${echo(scheme)}'. Only '${ALGORITHM}' is accepted.`);
  }
  const found = new Map<string, string>();
  for (const part of rest) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    if (!(PARAMS as readonly string[]).includes(name)) continue;
    if (eq < 0 || found.has(name)) return incomplete(`Authorization header has a malformed '${echo(name)}'.`);
    found.set(name, part.slice(eq + 1));
  }
  const missing = PARAMS.filter((p) => !found.get(p));
  if (missing.length > 0) {
    const need = missing.map((p) => `Authorization header requires '${p}' parameter.`).join(' ');
    return incomplete(`${need} Authorization=${echo(value)}`);
  }
  return {
    credential: found.get('Credential') ?? '',
    signedHeaders: found.get('SignedHeaders') ?? '',
    signature: found.get('Signature') ?? '',
  };
}

const ACCESS_KEY = /^[\x21-\x2e\x30-\x7e]{1,128}$/; // printable ASCII but '/'
const REGION = /^[a-z0-9-]{1,64}$/;
const SERVICE = /^[a-z0-9-]{1,64}$/;

/**
 * `AKID/YYYYMMDD/region/service/aws4_request`, checked against the service this verifier serves
 * and, when given, the regions it accepts.
 */
export function parseCredential(
  value: string,
  service: string,
  regions: ReadonlySet<string> | undefined,
): Credential | Failure {
  const parts = value.split('/');
  const [accessKeyId = '', date = '', region = '', svc = '', terminator = ''] = parts;
  if (parts.length !== 5) {
    return incomplete(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${echo(value)}'`,
    );
  }
  if (!ACCESS_KEY.test(accessKeyId)) return incomplete(`Credential has a malformed access key id.`);
  if (!/^\d{8}$/.test(date)) return incomplete(`Credential has a malformed date: '${echo(date)}'.`);
  if (!REGION.test(region) || (regions !== undefined && !regions.has(region))) {
    return invalid(`Credential should be scoped to a valid region, not '${echo(region)}'.`);
  }
  if (!SERVICE.test(svc) || svc !== service) {
    return invalid(`Credential should be scoped to correct service: '${service}'.`);
  }
  if (terminator !== SCOPE_TERMINATOR) {
    return invalid(
      `Credential should be scoped with a valid terminator: '${SCOPE_TERMINATOR}', not '${echo(terminator)}'.`,
    );
  }
  return { accessKeyId, date, region, service: svc };
}

const TOKEN = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

/** `host;x-amz-date`: lower-case header names; returned sorted, each once. `host` must be there. */
export function parseSignedHeaders(value: string): readonly string[] | Failure {
  const names = value.split(';');
  if (!names.every((n) => TOKEN.test(n))) return incomplete(`SignedHeaders is malformed: '${echo(value)}'.`);
  const sorted = [...new Set(names)].sort();
  if (sorted.length !== names.length) return incomplete(`SignedHeaders names a header twice.`);
  if (!sorted.includes('host')) {
    return incomplete(`'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.`);
  }
  return sorted;
}

const ISO_BASIC = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** `20150830T123600Z` to epoch ms; undefined unless it names a real instant exactly. */
export function parseAmzDate(value: string): number | undefined {
  const m = ISO_BASIC.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return exactUtc(y, mo, d, h, mi, s);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const IMF_FIXDATE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;

/** An HTTP `Date` header (RFC 9110 IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`) to epoch ms. */
export function parseHttpDate(value: string): number | undefined {
  const m = IMF_FIXDATE.exec(value);
  if (!m) return undefined;
  const [, d = '', mon = '', y = '', h = '', mi = '', s = ''] = m;
  return exactUtc(Number(y), MONTHS.indexOf(mon) + 1, Number(d), Number(h), Number(mi), Number(s));
}

function exactUtc(y: number, mo: number, d: number, h: number, mi: number, s: number): number | undefined {
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const t = new Date(ms);
  const same =
    t.getUTCFullYear() === y &&
    t.getUTCMonth() === mo - 1 &&
    t.getUTCDate() === d &&
    t.getUTCHours() === h &&
    t.getUTCMinutes() === mi &&
    t.getUTCSeconds() === s;
  return same ? ms : undefined;
}
