/** Typed errors of @peerlink/testing, each with a stable `code`. */
export type SimErrorCode = 'SIM_ADDRESS_IN_USE' | 'SIM_PORT_IN_USE' | 'SIM_NO_IPV6' | 'SIM_PORTS_EXHAUSTED';

export class SimError extends Error {
  readonly code: SimErrorCode;
  constructor(code: SimErrorCode, message: string) {
    super(message);
    this.name = 'SimError';
    this.code = code;
  }
}
