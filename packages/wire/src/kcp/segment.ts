/**
 * The KCP segment, byte for byte as ikcp (skywind3000/kcp, ikcp.c `ikcp_encode_seg` and
 * `ikcp_input`) and kcp-go put it on the wire: a 24-byte little-endian header, then `len` payload
 * bytes. A datagram holds one or more segments back to back.
 *
 * ```
 *  0               4   5   6       8 (bytes)
 * +---------------+---+---+-------+
 * |     conv      |cmd|frg|  wnd  |
 * +---------------+---+---+-------+   cmd: 81 PUSH (data), 82 ACK, 83 WASK (window probe),
 * |      ts       |      sn       |        84 WINS (window size tell)
 * +---------------+---------------+   frg: fragments still to come in this message (message mode)
 * |      una      |      len      |   wnd: free receive window; una: next sn the sender expects
 * +---------------+---------------+
 * |        data (len bytes)       |
 * +-------------------------------+
 * ```
 */
import { fail, ok, type Result, WireError, WireErrorCode } from '../errors.js';

/** The KCP header length (ikcp.c `IKCP_OVERHEAD`). */
export const KCP_OVERHEAD = 24;

/** KCP commands (ikcp.c `IKCP_CMD_*`). */
export const KcpCommand = {
  Push: 81,
  Ack: 82,
  WindowAsk: 83,
  WindowTell: 84,
} as const;
export type KcpCommandValue = (typeof KcpCommand)[keyof typeof KcpCommand];

/** One decoded segment. Integers are unsigned; `data` is a view into the input, not a copy. */
export interface KcpSegment {
  conv: number;
  cmd: KcpCommandValue;
  frg: number;
  wnd: number;
  ts: number;
  sn: number;
  una: number;
  data: Uint8Array;
}

function isCommand(cmd: number): cmd is KcpCommandValue {
  return cmd >= KcpCommand.Push && cmd <= KcpCommand.WindowTell;
}

function checkField(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new WireError(WireErrorCode.InvalidArgument, `KCP ${name} ${value} is not in 0..${max}`);
  }
}

/** The encoded length of `segment`: header plus payload. */
export function kcpSegmentLength(segment: Pick<KcpSegment, 'data'>): number {
  return KCP_OVERHEAD + segment.data.length;
}

/**
 * Writes `segment` into `out` at `offset` and returns the offset after it. Throws a
 * {@link WireError} (`WIRE_INVALID_ARGUMENT`) for a field out of range or too little room.
 */
export function writeKcpSegment(segment: KcpSegment, out: Uint8Array, offset = 0): number {
  checkField('conv', segment.conv, 0xffffffff);
  checkField('frg', segment.frg, 0xff);
  checkField('wnd', segment.wnd, 0xffff);
  checkField('ts', segment.ts, 0xffffffff);
  checkField('sn', segment.sn, 0xffffffff);
  checkField('una', segment.una, 0xffffffff);
  if (!isCommand(segment.cmd)) {
    throw new WireError(WireErrorCode.InvalidArgument, `KCP cmd ${String(segment.cmd)} is unknown`);
  }
  const end = offset + kcpSegmentLength(segment);
  if (end > out.length) {
    throw new WireError(WireErrorCode.InvalidArgument, `KCP segment needs ${end - offset} bytes`);
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(offset, segment.conv, true);
  out[offset + 4] = segment.cmd;
  out[offset + 5] = segment.frg;
  view.setUint16(offset + 6, segment.wnd, true);
  view.setUint32(offset + 8, segment.ts, true);
  view.setUint32(offset + 12, segment.sn, true);
  view.setUint32(offset + 16, segment.una, true);
  view.setUint32(offset + 20, segment.data.length, true);
  out.set(segment.data, offset + KCP_OVERHEAD);
  return end;
}

/** Encodes segments back to back into one datagram. */
export function encodeKcpSegments(segments: readonly KcpSegment[]): Uint8Array {
  const out = new Uint8Array(segments.reduce((n, s) => n + kcpSegmentLength(s), 0));
  let offset = 0;
  for (const s of segments) offset = writeKcpSegment(s, out, offset);
  return out;
}

/**
 * Decodes every segment of a datagram. Fails with `KCP_TRUNCATED` when a header or a declared
 * payload runs past the end (ikcp returns -1/-2 there) and `KCP_BAD_COMMAND` for an unknown command
 * (ikcp returns -3); the error's offset is where the bad segment starts. Never throws.
 */
export function decodeKcpSegments(datagram: Uint8Array): Result<KcpSegment[]> {
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  const segments: KcpSegment[] = [];
  let offset = 0;
  if (datagram.length < KCP_OVERHEAD) {
    return fail(WireErrorCode.KcpTruncated, `KCP datagram of ${datagram.length} bytes`, 0);
  }
  while (offset < datagram.length) {
    if (datagram.length - offset < KCP_OVERHEAD) {
      return fail(WireErrorCode.KcpTruncated, 'KCP header cut short', offset);
    }
    const cmd = datagram[offset + 4] ?? 0;
    if (!isCommand(cmd)) return fail(WireErrorCode.KcpBadCommand, `KCP cmd ${cmd}`, offset);
    const len = view.getUint32(offset + 20, true);
    const start = offset + KCP_OVERHEAD;
    if (len > datagram.length - start) {
      return fail(WireErrorCode.KcpTruncated, `KCP payload of ${len} bytes cut short`, offset);
    }
    segments.push({
      conv: view.getUint32(offset, true),
      cmd,
      frg: datagram[offset + 5] ?? 0,
      wnd: view.getUint16(offset + 6, true),
      ts: view.getUint32(offset + 8, true),
      sn: view.getUint32(offset + 12, true),
      una: view.getUint32(offset + 16, true),
      data: datagram.subarray(start, start + len),
    });
    offset = start + len;
  }
  return ok(segments);
}

/** The conv of a KCP datagram, or undefined if it is shorter than a header (ikcp `ikcp_getconv`). */
export function kcpConv(datagram: Uint8Array): number | undefined {
  if (datagram.length < KCP_OVERHEAD) return undefined;
  return new DataView(datagram.buffer, datagram.byteOffset, 4).getUint32(0, true);
}
