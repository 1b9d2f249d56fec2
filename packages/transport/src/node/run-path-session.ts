/**
 * Real timers for a {@link PathSession}: wakes it at `nextWakeAt()` and after every inbound datagram
 * re-arms the timer. The clock is `performance.now()` in whole milliseconds. Returns a stop function.
 */
import type { PathSession } from '../path.js';

export const monotonicClock = (): number => Math.floor(performance.now());

export function runPathSession(ps: PathSession, clock: () => number = monotonicClock): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = () => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    const wake = ps.nextWakeAt();
    if (!Number.isFinite(wake)) return;
    timer = setTimeout(
      () => {
        ps.tick();
        arm();
      },
      Math.max(0, wake - clock()),
    );
  };
  ps.onActivity(arm);
  ps.start();
  arm();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
