/**
 * Requests per second per access key on the KVS HTTP API, over both ports: past it, AWS's
 * ClientLimitExceededException (400), which the SDKs retry with backoff. Time is a parameter.
 */
import { TokenBucket } from '@peerlink/signaling';

export interface KvsRateLimits {
  /** Sustained requests per second per access key (default 50). */
  readonly perSecond: number;
  /** Burst (default 100). */
  readonly burst: number;
}

export const DEFAULT_KVS_RATE_LIMITS: KvsRateLimits = { perSecond: 50, burst: 100 };
const MAX_TRACKED = 10_000;

export class KvsRateLimiter {
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(readonly limits: KvsRateLimits = DEFAULT_KVS_RATE_LIMITS) {}

  take(accessKeyId: string, now: number): boolean {
    let bucket = this.#buckets.get(accessKeyId);
    if (!bucket) {
      if (this.#buckets.size >= MAX_TRACKED) this.#forgetIdle(now);
      bucket = new TokenBucket(this.limits.perSecond, this.limits.burst, now);
      this.#buckets.set(accessKeyId, bucket);
    }
    return bucket.take(1, now);
  }

  /** Full buckets remember nothing a new one would not. */
  #forgetIdle(now: number): void {
    for (const [k, b] of this.#buckets) if (b.available(now) >= this.limits.burst) this.#buckets.delete(k);
  }
}
