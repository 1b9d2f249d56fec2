/**
 * A sliding anti-replay window over packet counters, as RFC 6479 describes and WireGuard uses: a
 * bitmap of the last `size` counters below the highest one seen. A counter is accepted once; one
 * older than the window is refused, since we can no longer tell whether it was seen.
 *
 * Call `check` before decrypting (cheap, rejects obvious replays without spending an AEAD) and
 * `commit` only after the packet authenticated, so forged packets cannot move the window.
 */
export class ReplayWindow {
  private readonly words: Uint32Array;
  private readonly size: number;
  /** Highest accepted counter, or -1 before the first. */
  private top = -1;

  constructor(size = 2048) {
    this.size = size;
    this.words = new Uint32Array(Math.ceil(size / 32));
  }

  /** True if `counter` has not been accepted and is not too old to tell. */
  check(counter: number): boolean {
    if (counter > this.top) return true;
    if (this.top - counter >= this.size) return false;
    return !this.bit(counter);
  }

  /** Marks `counter` accepted (after `check` said yes and the packet authenticated). */
  commit(counter: number): void {
    if (counter > this.top) {
      const advance = this.top < 0 ? this.size : counter - this.top;
      if (advance >= this.size) this.words.fill(0);
      else for (let c = this.top + 1; c < counter; c++) this.setBit(c, false);
      this.top = counter;
    }
    this.setBit(counter, true);
  }

  private bit(counter: number): boolean {
    const i = counter % this.size;
    return (((this.words[i >>> 5] as number) >>> (i & 31)) & 1) === 1;
  }

  private setBit(counter: number, on: boolean): void {
    const i = counter % this.size;
    const word = this.words[i >>> 5] as number;
    this.words[i >>> 5] = on ? word | (1 << (i & 31)) : word & ~(1 << (i & 31));
  }
}
