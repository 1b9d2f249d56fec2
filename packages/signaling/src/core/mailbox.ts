/**
 * Undelivered-message buffering: messages for a recipient who is momentarily away (reconnecting after
 * GO_AWAY or a dropped socket) wait here until it returns or their TTL passes. Bounded per recipient
 * in count and bytes, so an absent peer cannot grow server memory without bound.
 */
export interface MailboxLimits {
  readonly ttlMs: number;
  readonly maxMessages: number;
  readonly maxBytes: number;
}

interface Held {
  readonly text: string;
  readonly expires: number;
}

export class Mailbox {
  readonly #boxes = new Map<string, { items: Held[]; bytes: number }>();
  #dropped = 0;

  constructor(readonly limits: MailboxLimits) {}

  /** Holds a message; returns false when the recipient's box is full (counted as dropped). */
  put(recipient: string, text: string, now: number): boolean {
    let box = this.#boxes.get(recipient);
    if (!box) {
      box = { items: [], bytes: 0 };
      this.#boxes.set(recipient, box);
    }
    this.#expire(box, now);
    if (box.items.length >= this.limits.maxMessages || box.bytes + text.length > this.limits.maxBytes) {
      this.#dropped++;
      return false;
    }
    box.items.push({ text, expires: now + this.limits.ttlMs });
    box.bytes += text.length;
    return true;
  }

  /** Removes and returns the recipient's unexpired messages, oldest first. */
  take(recipient: string, now: number): string[] {
    const box = this.#boxes.get(recipient);
    if (!box) return [];
    this.#boxes.delete(recipient);
    this.#expire(box, now);
    return box.items.map((h) => h.text);
  }

  /** Drops expired messages everywhere; returns how many were dropped. */
  sweep(now: number): number {
    let n = 0;
    for (const [k, box] of this.#boxes) {
      n += this.#expire(box, now);
      if (box.items.length === 0) this.#boxes.delete(k);
    }
    return n;
  }

  discard(recipient: string): void {
    const box = this.#boxes.get(recipient);
    if (box) this.#dropped += box.items.length;
    this.#boxes.delete(recipient);
  }

  get held(): number {
    let n = 0;
    for (const b of this.#boxes.values()) n += b.items.length;
    return n;
  }

  get dropped(): number {
    return this.#dropped;
  }

  #expire(box: { items: Held[]; bytes: number }, now: number): number {
    let i = 0;
    while (i < box.items.length && (box.items[i] as Held).expires <= now) {
      box.bytes -= (box.items[i] as Held).text.length;
      i++;
    }
    if (i > 0) {
      box.items.splice(0, i);
      this.#dropped += i;
    }
    return i;
  }
}
