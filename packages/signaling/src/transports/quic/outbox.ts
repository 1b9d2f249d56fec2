/**
 * Messages between the QUIC worker and the carrier leave once per turn of the sender's event loop:
 * each postMessage is a structured clone and a wake-up of the other thread, so a turn's messages
 * (frames of many connections, a pump's sends, a JOINED and its waiting frames) go as one batch,
 * in order. One message alone goes as it is.
 */
export interface Outbox<T> {
  push(message: T): void;
  /** Posts what is waiting now (before the thread's port closes). */
  flush(): void;
}

export function outbox<T>(
  post: (message: T) => void,
  batch: (messages: T[]) => T,
  schedule: (flush: () => void) => void,
): Outbox<T> {
  let waiting: T[] = [];
  const flush = (): void => {
    const list = waiting;
    waiting = [];
    if (list.length === 1) post(list[0]!);
    else if (list.length > 1) post(batch(list));
  };
  return {
    push(message) {
      if (waiting.length === 0) schedule(flush);
      waiting.push(message);
    },
    flush,
  };
}
