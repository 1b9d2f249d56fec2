/**
 * Results of the port-mapping codecs: they return a {@link PortMapResult} and never throw on hostile
 * bytes; the client rejects with the error inside. The typed error itself (PortMapError, PORTMAP_*
 * codes) lives in the package's errors.ts.
 */
import { PortMapError, type PortMapErrorCode } from '../errors.js';

export { PortMapError, type PortMapErrorCode };

/** The outcome of a decoder: a value, or why there is none. */
export type PortMapResult<T> = { ok: true; value: T } | { ok: false; error: PortMapError };

export const okResult = <T>(value: T): PortMapResult<T> => ({ ok: true, value });

export const failResult = <T = never>(
  code: PortMapErrorCode,
  message: string,
  resultCode?: number,
): PortMapResult<T> => ({ ok: false, error: new PortMapError(code, message, resultCode) });
