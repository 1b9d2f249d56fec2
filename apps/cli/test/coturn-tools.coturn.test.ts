// coturn's own clients against our server: turnutils_stunclient must read the right reflexive
// address, turnutils_natdiscovery must complete its RFC 5780 mapping and filtering tests.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { spawnServer, type SpawnedServer } from './helpers/spawn-server.js';

const run = promisify(execFile);

describe('coturn tools against peerlink serve', () => {
  let server: SpawnedServer;
  before(async () => {
    server = await spawnServer(['--alt-ip', '127.0.0.2', '--alt-port', '0']);
  });
  after(() => server.stop());

  it('turnutils_stunclient gets its reflexive address', async () => {
    const { stdout } = await run('turnutils_stunclient', ['-p', String(server.stun.port), '127.0.0.1'], {
      timeout: 20_000,
    });
    // It prints the address it was mapped to; on loopback that is 127.0.0.1 and a real port.
    assert.match(stdout, /UDP reflexive addr: 127\.0\.0\.1:\d+/);
  });

  it('turnutils_stunclient -f (RFC 5780 processing) sees the other address', async () => {
    const { stdout } = await run(
      'turnutils_stunclient',
      ['-f', '-p', String(server.stun.port), '127.0.0.1'],
      { timeout: 20_000 },
    );
    assert.match(stdout, /UDP reflexive addr: 127\.0\.0\.1:\d+/);
    assert.match(stdout, new RegExp(`Other addr: : 127\\.0\\.0\\.2:${server.alternate?.port}`));
  });

  it('turnutils_natdiscovery -m -f completes mapping and filtering discovery', async () => {
    const { stdout } = await run(
      'turnutils_natdiscovery',
      ['-m', '-f', '-p', String(server.stun.port), '127.0.0.1'],
      {
        timeout: 60_000,
      },
    );
    // On loopback there is no NAT in between, so both verdicts are endpoint-independent; the run must
    // have seen the answer from the other address (response 2) and the changed-address answer.
    assert.match(stdout, /NAT with Endpoint Independent Mapping!/, stdout);
    assert.match(stdout, /NAT with Endpoint Independent Filtering!/, stdout);
    assert.match(stdout, /Response origin: : 127\.0\.0\.2:/, stdout);
    assert.doesNotMatch(stdout, /Error|failed|timeout/i, stdout);
  });
});
