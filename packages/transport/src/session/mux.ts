/**
 * The frames inside one KCP message: application messages and the chunks of multiplexed streams.
 *
 * ```
 * +------+-------------------+         kind 0: an application message
 * | kind | stream id u32 BE  | data    kind 1: stream data (opens the stream on first sight)
 * +------+-------------------+         kind 2: stream end (no data)
 * ```
 * Kind 0 has no stream id. Stream ids are odd for streams the initiator opens and even for the
 * responder's, so both sides can open streams without agreeing first (as QUIC and HTTP/2 do).
 */

export const MuxKind = { Message: 0, StreamData: 1, StreamEnd: 2 } as const;

export type MuxFrame =
  | { kind: typeof MuxKind.Message; data: Uint8Array }
  | { kind: typeof MuxKind.StreamData; stream: number; data: Uint8Array }
  | { kind: typeof MuxKind.StreamEnd; stream: number };

export function encodeMuxFrame(frame: MuxFrame): Uint8Array {
  if (frame.kind === MuxKind.Message) {
    const out = new Uint8Array(1 + frame.data.length);
    out[0] = MuxKind.Message;
    out.set(frame.data, 1);
    return out;
  }
  const data = frame.kind === MuxKind.StreamData ? frame.data : new Uint8Array(0);
  const out = new Uint8Array(5 + data.length);
  out[0] = frame.kind;
  new DataView(out.buffer).setUint32(1, frame.stream, false);
  out.set(data, 5);
  return out;
}

/** Decodes a frame, or undefined for bytes that are not one (never throws). */
export function decodeMuxFrame(bytes: Uint8Array): MuxFrame | undefined {
  const kind = bytes[0];
  if (kind === MuxKind.Message) return { kind, data: bytes.subarray(1) };
  if ((kind !== MuxKind.StreamData && kind !== MuxKind.StreamEnd) || bytes.length < 5) return undefined;
  const stream = new DataView(bytes.buffer, bytes.byteOffset + 1, 4).getUint32(0, false);
  if (kind === MuxKind.StreamEnd) return bytes.length === 5 ? { kind, stream } : undefined;
  return { kind, stream, data: bytes.subarray(5) };
}
