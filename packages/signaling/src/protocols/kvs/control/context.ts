/** What every control-plane handler runs over: the records, the time, and who asked. */
import type { DurableRecords } from '../../../store/durable.js';

export interface KvsControlContext {
  readonly records: DurableRecords;
  /** ms since the epoch. */
  readonly now: number;
  /** The region the request was signed for: channels created by it carry it in their ARN. */
  readonly region: string;
  /** The account id in the ARNs of channels created (configured; AWS's would be the caller's). */
  readonly account: string;
  /** A fresh channel version (default: 20 random alphanumerics). */
  readonly newVersion?: () => string;
}
