/**
 * PROXY protocol version 1, the human-readable line (HAProxy's doc/proxy-protocol.txt §2.1):
 *
 *   PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n
 *
 * Exactly one space between fields, addresses of the announced family in canonical text, ports
 * without leading zeros, and a CRLF within the first 107 bytes. `PROXY UNKNOWN` may carry anything
 * up to the CRLF, which the receiver ignores. Anything else must abort the connection.
 */
import { WireError, WireErrorCode } from '../errors.js';
import { formatIp, parseIp, type TransportAddress } from '../ip.js';
import {
  PROXY_V1_MAX_LENGTH,
  PROXY_V1_PREFIX,
  type ProxyDecodeOptions,
  type ProxyDecodeResult,
  type ProxyHeader,
} from './header.js';

const CR = 0x0d;
const LF = 0x0a;
const PORT = /^(?:0|[1-9][0-9]{0,4})$/;

function failure(code: WireErrorCode, detail: string, offset: number): ProxyDecodeResult {
  return { ok: false, incomplete: false, error: new WireError(code, detail, offset) };
}

/** Decodes a v1 line at the start of `bytes`; the caller has seen that it starts like "PROXY ". */
export function decodeProxyV1(bytes: Uint8Array, options: ProxyDecodeOptions = {}): ProxyDecodeResult {
  const limit = Math.min(PROXY_V1_MAX_LENGTH, options.maxLength ?? PROXY_V1_MAX_LENGTH);
  for (let i = 0; i < Math.min(bytes.length, PROXY_V1_PREFIX.length); i++) {
    if (bytes[i] !== PROXY_V1_PREFIX[i]) return failure(WireErrorCode.ProxyNotProxy, 'not "PROXY "', i);
  }
  // Only printable US-ASCII before the CRLF; a lone CR or LF is refused at once (§2.1).
  let end = -1;
  // The CRLF itself must fit within the limit, so the CR sits at limit - 2 at the latest.
  for (let i = PROXY_V1_PREFIX.length; i < Math.min(bytes.length, limit - 1); i++) {
    const b = bytes[i] as number;
    if (b === CR) {
      if (i + 1 >= bytes.length) break; // the LF may be in the next read
      if (bytes[i + 1] !== LF) return failure(WireErrorCode.ProxyBadLine, 'CR without LF', i);
      end = i;
      break;
    }
    if (b < 0x20 || b > 0x7e) return failure(WireErrorCode.ProxyBadLine, `byte 0x${b.toString(16)}`, i);
  }
  if (end < 0) {
    if (bytes.length >= limit) {
      return failure(WireErrorCode.ProxyTooLong, `no CRLF in the first ${limit} bytes`, limit);
    }
    return { ok: false, incomplete: true };
  }
  const line = String.fromCharCode(...bytes.subarray(PROXY_V1_PREFIX.length, end));
  const header = parseLine(line);
  if (typeof header === 'string') return failure(WireErrorCode.ProxyBadLine, header, PROXY_V1_PREFIX.length);
  return { ok: true, header, consumed: end + 2 };
}

/** The fields after "PROXY ": a header, or why they do not match the grammar. */
function parseLine(line: string): ProxyHeader | string {
  const fields = line.split(' ');
  const protocol = fields[0];
  if (protocol === 'UNKNOWN') {
    return { version: 1, command: 'proxy', transport: 'unspec', addresses: { family: 'unspec' }, tlvs: [] };
  }
  if (protocol !== 'TCP4' && protocol !== 'TCP6') return `unknown protocol ${JSON.stringify(protocol)}`;
  if (fields.length !== 5) return `${protocol} needs 4 fields after it, got ${fields.length - 1}`;
  const family = protocol === 'TCP4' ? 4 : 6;
  const [, src, dst, sport, dport] = fields as [string, string, string, string, string];
  const source = address(src, sport, family);
  const destination = address(dst, dport, family);
  if (source === undefined || destination === undefined) {
    return `bad ${protocol} address or port in ${JSON.stringify(line)}`;
  }
  return {
    version: 1,
    command: 'proxy',
    transport: 'stream',
    addresses: { family: 'ip', source, destination },
    tlvs: [],
  };
}

function address(ip: string, port: string, family: 4 | 6): TransportAddress | undefined {
  const parsed = parseIp(ip);
  if (parsed === undefined || parsed.family !== family || !PORT.test(port)) return undefined;
  const n = Number(port);
  return n > 0xffff ? undefined : { family, address: formatIp(parsed.bytes), port: n };
}

/**
 * Encodes a v1 line. An IP header becomes TCP4/TCP6; `unspec` (and LOCAL, which v1 cannot say)
 * becomes "PROXY UNKNOWN". Throws a WireError for what v1 cannot carry: UDP, UNIX, mixed families.
 */
export function encodeProxyV1(header: ProxyHeader): Uint8Array {
  const a = header.addresses;
  if (header.command === 'local' || a.family === 'unspec')
    return new TextEncoder().encode('PROXY UNKNOWN\r\n');
  if (a.family !== 'ip' || header.transport !== 'stream') {
    throw new WireError(WireErrorCode.InvalidArgument, 'PROXY v1 carries TCP over IPv4 or IPv6 only');
  }
  if (a.source.family !== a.destination.family) {
    throw new WireError(WireErrorCode.InvalidArgument, 'PROXY v1 source and destination differ in family');
  }
  const text = (t: TransportAddress): string => {
    const ip = parseIp(t.address);
    if (
      ip === undefined ||
      ip.family !== t.family ||
      !Number.isInteger(t.port) ||
      t.port < 0 ||
      t.port > 0xffff
    ) {
      throw new WireError(
        WireErrorCode.InvalidArgument,
        `not an IPv${t.family} address and port: ${t.address} ${t.port}`,
      );
    }
    return formatIp(ip.bytes);
  };
  const line = `PROXY TCP${a.source.family} ${text(a.source)} ${text(a.destination)} ${a.source.port} ${a.destination.port}\r\n`;
  return new TextEncoder().encode(line);
}
