// Waits for a condition the test cannot be told about by an event (stats, counters): polls it every
// 50 ms and fails with `what` after `ms`.
export async function until(
  cond: () => boolean | Promise<boolean>,
  what: string | (() => string | Promise<string>),
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
