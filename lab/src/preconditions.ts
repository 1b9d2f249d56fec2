/** What a lab run needs from the machine: root, `ip`, `nft`, `cc` and the TUN device. */
import { existsSync } from 'node:fs';
import { LabError } from './errors.js';
import { hasTool } from './exec.js';

/** The reason the lab cannot run here, or null. */
export async function missingNeeds(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'root';
  for (const t of ['ip', 'nft', 'cc']) if (!(await hasTool(t))) return `the ${t} command`;
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun';
  return null;
}

export async function assertCanRun(): Promise<void> {
  const missing = await missingNeeds();
  if (missing)
    throw new LabError(missing === 'root' ? 'LAB_NOT_ROOT' : 'LAB_MISSING_TOOL', `the lab needs ${missing}`);
}
