import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PRESETS } from '@peerlink/testing';
import { LabError, routerRuleset } from '../src/index.js';

const only = (p: keyof typeof PRESETS) => PRESETS[p].layers[0]!;

describe('routerRuleset', () => {
  it('maps symmetric to masquerade random and port-restricted to plain masquerade, without dnat', () => {
    assert.match(routerRuleset({ nat: only('symmetric') }), /oifname "wan" masquerade random/);
    const pr = routerRuleset({ nat: only('port-restricted') });
    assert.match(pr, /oifname "wan" masquerade\n/);
    assert.doesNotMatch(pr, /dnat/);
  });

  it('opens full cone with a dnat of every port and restricted cone with a contacted set', () => {
    assert.match(
      routerRuleset({ nat: only('full-cone'), inside: '198.51.100.2' }),
      /udp dport 1024-65535 dnat to 198\.51\.100\.2/,
    );
    const r = routerRuleset({ nat: only('restricted'), inside: '198.51.100.2', contactTimeoutSec: 7 });
    assert.match(r, /timeout 7s/);
    assert.match(r, /update @contacted \{ ip daddr \. udp sport \}/);
    assert.match(r, /ip saddr \. udp dport @contacted dnat to 198\.51\.100\.2/);
  });

  it('drops by numgen per direction and blocks UDP', () => {
    const r = routerRuleset({ loss: { outPct: 5, inPct: 12 }, udpBlocked: true });
    assert.match(r, /iifname "lan" numgen random mod 100 < 5 drop/);
    assert.match(r, /oifname "lan" numgen random mod 100 < 12 drop/);
    assert.match(r, /meta l4proto udp drop/);
    assert.doesNotMatch(r, /masquerade/);
  });

  it('refuses what the kernel recipes cannot express', () => {
    const bad = (f: () => unknown): void =>
      assert.throws(f, (e: unknown) => e instanceof LabError && e.code === 'LAB_BAD_SPEC');
    bad(() => routerRuleset({ loss: { outPct: 101, inPct: 0 } }));
    bad(() => routerRuleset({ nat: only('full-cone') })); // EIF without an inside address
    bad(() =>
      routerRuleset({ nat: { ...only('symmetric'), filtering: 'endpoint-independent' }, inside: 'x' }),
    );
  });
});
