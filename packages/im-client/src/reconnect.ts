/**
 * When to try the /im socket again after it dropped: exponential backoff with full jitter, capped,
 * and never after a close that says retrying cannot help (a refused token). Pure: the caller passes
 * the attempt number and a random number, and owns the timer.
 */

export interface ReconnectOptions {
  /** First delay in ms (default 250). */
  readonly minDelayMs?: number;
  /** Largest delay in ms (default 10 000). */
  readonly maxDelayMs?: number;
  /** Attempts before giving up (default Infinity). */
  readonly maxAttempts?: number;
}

/** Close codes after which the client stops: the server refused the token (4003) or the app closed. */
export const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([4003]);

/**
 * The delay before attempt `attempt` (1 for the first retry), or undefined when the client should
 * stop trying. `random` is a number in [0, 1).
 */
export function reconnectDelay(
  attempt: number,
  closeCode: number,
  random: number,
  o: ReconnectOptions = {},
): number | undefined {
  if (FINAL_CLOSE_CODES.has(closeCode)) return undefined;
  if (attempt > (o.maxAttempts ?? Infinity)) return undefined;
  const min = o.minDelayMs ?? 250;
  const max = o.maxDelayMs ?? 10_000;
  const ceiling = Math.min(max, min * 2 ** Math.min(attempt - 1, 30));
  return Math.round(min / 2 + random * (ceiling - min / 2));
}
