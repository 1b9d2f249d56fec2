/**
 * @peerlink/cli: the `peerlink` command as a library, for tests and embedding.
 *
 * @example
 * ```ts
 * import { main } from '@peerlink/cli';
 * process.exitCode = await main(['--help']);
 * ```
 */
export { main, usage } from './main.js';
export type { Io } from './io.js';
export { UsageError } from './io.js';
