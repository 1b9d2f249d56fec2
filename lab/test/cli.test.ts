// `peerlink-lab` commands that need no root: the table, usage errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectationMarkdown, expectationTable, LabError, labMain } from '../src/index.js';

async function run(argv: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await labMain(argv, (l) => out.push(l));
  return { code, out };
}

describe('peerlink-lab', () => {
  it('table prints the expectation table as markdown, --json as rows', async () => {
    assert.deepEqual(await run(['table']), { code: 0, out: [expectationMarkdown()] });
    const json = await run(['table', '--json']);
    assert.deepEqual(JSON.parse(json.out[0]!), expectationTable());
  });

  it('an unknown command prints usage and exits 2; no command or --help exits 0', async () => {
    assert.equal((await run(['bogus'])).code, 2);
    assert.equal((await run([])).code, 0);
    assert.match((await run(['--help'])).out[0]!, /verify\|link\|table\|matrix\|webrtc\|webrtc-table\|clean/);
  });

  it('refuses an unknown preset and a bad condition before touching the machine', async () => {
    const usage = (e: unknown): boolean => e instanceof LabError && e.code === 'LAB_USAGE';
    await assert.rejects(run(['matrix', '--pairs', 'public:nope']), usage);
    await assert.rejects(run(['link', '--rtt', 'fast']), usage);
  });
});
