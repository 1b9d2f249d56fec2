/**
 * Reads a PROXY protocol header of either version from the first bytes of a connection
 * (HAProxy's doc/proxy-protocol.txt §2.2, "identifying the protocol version"). Feed it everything
 * received so far: it answers with the header and the byte count it took, asks for more, or says
 * why the bytes can never be a header. Pure and total: no input makes it throw.
 *
 * A receiver must know from its configuration that a header comes (§2: never guess), so input
 * that is neither version is an error here, not "no header".
 */
import { WireError, WireErrorCode } from '../errors.js';
import type { ProxyDecodeOptions, ProxyDecodeResult } from './header.js';
import { decodeProxyV1 } from './v1.js';
import { decodeProxyV2 } from './v2.js';

export function decodeProxyHeader(bytes: Uint8Array, options: ProxyDecodeOptions = {}): ProxyDecodeResult {
  const first = bytes[0];
  if (first === undefined) return { ok: false, incomplete: true };
  if (first === 0x0d) return decodeProxyV2(bytes, options);
  if (first === 0x50) return decodeProxyV1(bytes, options);
  return {
    ok: false,
    incomplete: false,
    error: new WireError(WireErrorCode.ProxyNotProxy, 'neither a PROXY v1 line nor a v2 signature', 0),
  };
}
