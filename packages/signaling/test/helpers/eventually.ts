// Waiting on a condition with a deadline, for what a test cannot be told about (a TTL that Redis
// enforces, a subscriber that resubscribes on its own). Fails with what it waited for.

/** Polls `check` until it returns true (a rejection counts as not yet); throws after `deadlineMs`. */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  deadlineMs = 5000,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 20)); // the poll interval
  }
  throw new Error(`not within ${deadlineMs} ms: ${what}`, { cause: last });
}

/** The next value `subscribe` reports that satisfies `wanted`, or a failure after `deadlineMs`. */
export function nextEvent<T>(
  what: string,
  subscribe: (listener: (value: T) => void) => () => void,
  wanted: (value: T) => boolean,
  deadlineMs = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`not within ${deadlineMs} ms: ${what}`));
    }, deadlineMs);
    const off = subscribe((value) => {
      if (!wanted(value)) return;
      clearTimeout(timer);
      off();
      resolve(value);
    });
  });
}
