/**
 * Relay frames: binary WebSocket messages `[session: u32 big-endian][payload]`. The payload is the
 * SDK's encrypted packet; the server reads only the session number and forwards the frame unchanged
 * to the other peer of that session.
 */
export const RELAY_HEADER_BYTES = 4;

export function readRelaySession(frame: Uint8Array): number | undefined {
  if (frame.length < RELAY_HEADER_BYTES) return undefined;
  return (
    (((frame[0] as number) << 24) |
      ((frame[1] as number) << 16) |
      ((frame[2] as number) << 8) |
      (frame[3] as number)) >>>
    0
  );
}

export function encodeRelayFrame(session: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(RELAY_HEADER_BYTES + payload.length);
  out[0] = session >>> 24;
  out[1] = (session >>> 16) & 0xff;
  out[2] = (session >>> 8) & 0xff;
  out[3] = session & 0xff;
  out.set(payload, RELAY_HEADER_BYTES);
  return out;
}
