/** Typed errors of the NAT lab, each with a stable `code`; the CLI prints `code: message`. */
export type LabErrorCode =
  | 'LAB_NOT_ROOT'
  | 'LAB_MISSING_TOOL'
  | 'LAB_COMMAND_FAILED'
  | 'LAB_TIMEOUT'
  | 'LAB_PROCESS_EXITED'
  | 'LAB_BAD_SPEC'
  | 'LAB_USAGE'
  | 'LAB_TORN_DOWN';

export class LabError extends Error {
  readonly code: LabErrorCode;
  constructor(code: LabErrorCode, message: string) {
    super(message);
    this.name = 'LabError';
    this.code = code;
  }
}
