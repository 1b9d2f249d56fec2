/** The TURN client's typed errors live in the package's errors.ts. */
export { TurnClientError, TurnClientErrorCode } from '../errors.js';
