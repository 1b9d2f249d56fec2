/**
 * PROXY protocol version 2, the binary header (HAProxy's doc/proxy-protocol.txt §2.2):
 *
 *   sig[12] = 0D 0A 0D 0A 00 0D 0A 51 55 49 54 0A
 *   ver_cmd = 0x2? (0 LOCAL, 1 PROXY)   fam = family << 4 | transport   len = uint16, network order
 *   address block: IPv4 12 bytes, IPv6 36, UNIX 216 (sources first, then destinations, then ports)
 *   TLVs up to 16 + len: type (1 byte), length (2 bytes), value
 *
 * The decoder fails as early as the bytes allow: a wrong signature byte, version, command,
 * family, or a length too short for the family or over the caller's limit is reported before
 * the rest of the header arrives, so a receiver can drop a bad sender without waiting.
 * LOCAL headers (health checks) and AF_UNSPEC blocks are skipped whole, as §2.2 asks.
 * The CRC32C TLV is returned like any other, not verified (§2.2.3 makes checking optional).
 */
import { WireError, WireErrorCode } from '../errors.js';
import { formatIp, parseIp, type TransportAddress } from '../ip.js';
import {
  PROXY_V2_HEADER_LENGTH,
  PROXY_V2_SIGNATURE,
  type ProxyAddresses,
  type ProxyDecodeOptions,
  type ProxyDecodeResult,
  type ProxyHeader,
  type ProxyTlv,
} from './header.js';

const TRANSPORTS = ['unspec', 'stream', 'dgram'] as const;
/** Address block length by family nibble: AF_INET, AF_INET6, AF_UNIX (§2.2). */
const BLOCK_LENGTH: Readonly<Record<number, number>> = { 1: 12, 2: 36, 3: 216 };
const UNIX_PATH_LENGTH = 108;

function failure(code: WireErrorCode, detail: string, offset: number): ProxyDecodeResult {
  return { ok: false, incomplete: false, error: new WireError(code, detail, offset) };
}

/** Decodes a v2 header at the start of `bytes`. */
export function decodeProxyV2(bytes: Uint8Array, options: ProxyDecodeOptions = {}): ProxyDecodeResult {
  for (let i = 0; i < Math.min(bytes.length, PROXY_V2_SIGNATURE.length); i++) {
    if (bytes[i] !== PROXY_V2_SIGNATURE[i])
      return failure(WireErrorCode.ProxyNotProxy, 'not the v2 signature', i);
  }
  const verCmd = bytes[12];
  if (verCmd === undefined) return { ok: false, incomplete: true };
  if (verCmd >> 4 !== 2) return failure(WireErrorCode.ProxyBadVersion, `version ${verCmd >> 4}`, 12);
  const local = (verCmd & 0x0f) === 0;
  if (!local && (verCmd & 0x0f) !== 1)
    return failure(WireErrorCode.ProxyBadVersion, `command ${verCmd & 0x0f}`, 12);
  const fam = bytes[13];
  if (fam === undefined) return { ok: false, incomplete: true };
  const family = fam >> 4;
  const transport = fam & 0x0f;
  // LOCAL discards the whole block, family included (§2.2), so only PROXY's family is judged.
  if (!local && (family > 3 || transport > 2)) {
    return failure(WireErrorCode.ProxyBadFamily, `family/transport byte 0x${fam.toString(16)}`, 13);
  }
  if (bytes.length < PROXY_V2_HEADER_LENGTH) return { ok: false, incomplete: true };
  const length = ((bytes[14] as number) << 8) | (bytes[15] as number);
  const total = PROXY_V2_HEADER_LENGTH + length;
  if (options.maxLength !== undefined && total > options.maxLength) {
    return failure(WireErrorCode.ProxyTooLong, `header of ${total} bytes, limit ${options.maxLength}`, 14);
  }
  const known = !local && family !== 0 && transport !== 0;
  const block = known ? (BLOCK_LENGTH[family] as number) : 0;
  if (length < block) return failure(WireErrorCode.ProxyBadLength, `length ${length} < ${block}`, 14);
  if (bytes.length < total) return { ok: false, incomplete: true };

  if (local) {
    const header: ProxyHeader = {
      version: 2,
      command: 'local',
      transport: 'unspec',
      addresses: { family: 'unspec' },
      tlvs: [],
    };
    return { ok: true, header, consumed: total };
  }
  const addresses = known
    ? decodeAddresses(bytes.subarray(PROXY_V2_HEADER_LENGTH), family)
    : { family: 'unspec' as const };
  const tlvs = known ? decodeTlvs(bytes.subarray(0, total), PROXY_V2_HEADER_LENGTH + block) : [];
  if (!Array.isArray(tlvs))
    return failure(WireErrorCode.ProxyBadTlv, 'TLV runs past the header', tlvs.offset);
  const header: ProxyHeader = {
    version: 2,
    command: 'proxy',
    transport: TRANSPORTS[transport] as ProxyHeader['transport'],
    addresses,
    tlvs,
  };
  return { ok: true, header, consumed: total };
}

function decodeAddresses(b: Uint8Array, family: number): ProxyAddresses {
  if (family === 3) {
    return {
      family: 'unix',
      source: unixPath(b.subarray(0, UNIX_PATH_LENGTH)),
      destination: unixPath(b.subarray(UNIX_PATH_LENGTH, 2 * UNIX_PATH_LENGTH)),
    };
  }
  const size = family === 1 ? 4 : 16;
  const port = (at: number): number => ((b[at] as number) << 8) | (b[at + 1] as number);
  const at = (ip: number, portAt: number): TransportAddress => ({
    family: size === 4 ? 4 : 6,
    address: formatIp(b.subarray(ip, ip + size)),
    port: port(portAt),
  });
  return { family: 'ip', source: at(0, 2 * size), destination: at(size, 2 * size + 2) };
}

/** A NUL-terminated sun_path; a path filling all 108 bytes has no NUL. */
function unixPath(b: Uint8Array): string {
  const nul = b.indexOf(0);
  return new TextDecoder().decode(nul < 0 ? b : b.subarray(0, nul));
}

function decodeTlvs(header: Uint8Array, from: number): ProxyTlv[] | { offset: number } {
  const out: ProxyTlv[] = [];
  let at = from;
  while (at < header.length) {
    if (header.length - at < 3) return { offset: at };
    const length = ((header[at + 1] as number) << 8) | (header[at + 2] as number);
    if (at + 3 + length > header.length) return { offset: at };
    out.push({ type: header[at] as number, value: header.subarray(at + 3, at + 3 + length) });
    at += 3 + length;
  }
  return out;
}

function invalid(detail: string): WireError {
  return new WireError(WireErrorCode.InvalidArgument, `PROXY v2: ${detail}`);
}

/**
 * Encodes a v2 header. LOCAL is written with whatever addresses it is given (a receiver must skip
 * them). Throws a WireError for addresses that do not parse, mixed IP families, a UNIX path over
 * 108 bytes, a TLV value over 65535 bytes, or a header whose length does not fit 16 bits.
 */
export function encodeProxyV2(header: ProxyHeader): Uint8Array {
  const a = header.addresses;
  const block = encodeAddresses(a);
  const familyNibble = a.family === 'unspec' ? 0 : a.family === 'unix' ? 3 : a.source.family === 4 ? 1 : 2;
  let tlvLength = 0;
  for (const t of header.tlvs) {
    if (t.value.length > 0xffff || !Number.isInteger(t.type) || t.type < 0 || t.type > 0xff) {
      throw invalid(`TLV type ${t.type} with ${t.value.length} bytes`);
    }
    tlvLength += 3 + t.value.length;
  }
  const length = block.length + tlvLength;
  if (length > 0xffff) throw invalid(`${length} bytes after the fixed header, over 65535`);
  const out = new Uint8Array(PROXY_V2_HEADER_LENGTH + length);
  out.set(PROXY_V2_SIGNATURE);
  out[12] = 0x20 | (header.command === 'local' ? 0 : 1);
  out[13] = (familyNibble << 4) | TRANSPORTS.indexOf(header.transport);
  out[14] = length >> 8;
  out[15] = length & 0xff;
  out.set(block, PROXY_V2_HEADER_LENGTH);
  let at = PROXY_V2_HEADER_LENGTH + block.length;
  for (const t of header.tlvs) {
    out[at] = t.type;
    out[at + 1] = t.value.length >> 8;
    out[at + 2] = t.value.length & 0xff;
    out.set(t.value, at + 3);
    at += 3 + t.value.length;
  }
  return out;
}

function encodeAddresses(a: ProxyAddresses): Uint8Array {
  if (a.family === 'unspec') return new Uint8Array(0);
  if (a.family === 'unix') {
    const out = new Uint8Array(2 * UNIX_PATH_LENGTH);
    [a.source, a.destination].forEach((path, i) => {
      const bytes = new TextEncoder().encode(path);
      if (bytes.length > UNIX_PATH_LENGTH) throw invalid(`UNIX path of ${bytes.length} bytes, over 108`);
      out.set(bytes, i * UNIX_PATH_LENGTH);
    });
    return out;
  }
  const ips = [a.source, a.destination].map((t) => {
    const ip = parseIp(t.address);
    if (ip === undefined || ip.family !== t.family)
      throw invalid(`not an IPv${t.family} address: ${t.address}`);
    if (!Number.isInteger(t.port) || t.port < 0 || t.port > 0xffff) throw invalid(`port ${t.port}`);
    return ip.bytes;
  });
  const [src, dst] = ips as [Uint8Array, Uint8Array];
  if (src.length !== dst.length) throw invalid('source and destination differ in family');
  const out = new Uint8Array(2 * src.length + 4);
  out.set(src);
  out.set(dst, src.length);
  const ports = [a.source.port, a.destination.port];
  ports.forEach((p, i) => {
    out[2 * src.length + 2 * i] = p >> 8;
    out[2 * src.length + 2 * i + 1] = p & 0xff;
  });
  return out;
}
