import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TransportAddress } from '@peerlink/wire';
import { classifyNat, classifyPortAllocation, type NatObservations } from '../src/index.js';

const a = (address: string, port: number): TransportAddress => ({ family: 4, address, port });
const other = a('203.0.113.2', 3479);
const m1 = a('198.51.100.1', 40000);
const base: NatObservations = {
  primary: { mapped: m1, otherAddress: other },
  mappedViaAltIp: m1,
  answeredChangeIpPort: true,
  portSamples: [{ local: 40000, mapped: 40000 }],
  hairpinning: true,
  ipv6: false,
};

describe('classifyNat (RFC 5780 §4.3, §4.4)', () => {
  it('UDP blocked: udp false and nothing else known', () => {
    const { report, reasons } = classifyNat({ portSamples: [], ipv6: false });
    assert.deepEqual(report, {
      udp: false,
      publicAddress: null,
      mapping: null,
      filtering: null,
      portAllocation: null,
      hairpinning: null,
      ipv6: false,
    });
    assert.ok(reasons.some((r) => r.startsWith('udp:')));
  });

  it('full cone: EIM, EIF', () => {
    const { report } = classifyNat(base);
    assert.equal(report.publicAddress, '198.51.100.1:40000');
    assert.equal(report.mapping, 'endpoint-independent');
    assert.equal(report.filtering, 'endpoint-independent');
    assert.equal(report.portAllocation, 'preserving');
    assert.equal(report.hairpinning, true);
  });

  it('restricted cone: EIM, ADF', () => {
    const { report } = classifyNat({ ...base, answeredChangeIpPort: false, answeredChangePort: true });
    assert.equal(report.filtering, 'address-dependent');
  });

  it('port-restricted: EIM, APDF', () => {
    const { report } = classifyNat({ ...base, answeredChangeIpPort: false, answeredChangePort: false });
    assert.equal(report.mapping, 'endpoint-independent');
    assert.equal(report.filtering, 'address-and-port-dependent');
  });

  it('address-dependent mapping: same mapping for both ports of the alternate address', () => {
    const m2 = a('198.51.100.1', 40001);
    const { report } = classifyNat({ ...base, mappedViaAltIp: m2, mappedViaAltIpPort: m2 });
    assert.equal(report.mapping, 'address-dependent');
  });

  it('symmetric: a new mapping per destination address and port', () => {
    const { report } = classifyNat({
      ...base,
      mappedViaAltIp: a('198.51.100.1', 51234),
      mappedViaAltIpPort: a('198.51.100.1', 7123),
      answeredChangeIpPort: false,
      answeredChangePort: false,
      portSamples: [
        { local: 40000, mapped: 61000 },
        { local: 40001, mapped: 2222 },
        { local: 40002, mapped: 33333 },
      ],
      hairpinning: false,
    });
    assert.equal(report.mapping, 'address-and-port-dependent');
    assert.equal(report.filtering, 'address-and-port-dependent');
    assert.equal(report.portAllocation, 'random');
    assert.equal(report.hairpinning, false);
  });

  it('no alternate address: mapping and filtering undecided, with a reason', () => {
    const { report, reasons } = classifyNat({ ...base, primary: { mapped: m1 } });
    assert.equal(report.mapping, null);
    assert.equal(report.filtering, null);
    assert.ok(reasons.some((r) => r.includes('OTHER-ADDRESS')));
  });

  it('no answer from the alternate address: mapping undecided', () => {
    const { report } = classifyNat({ ...base, mappedViaAltIp: null });
    assert.equal(report.mapping, null);
  });
});

describe('classifyPortAllocation', () => {
  it('preserving when every mapped port equals its local port', () => {
    assert.equal(
      classifyPortAllocation([
        { local: 5, mapped: 5 },
        { local: 9, mapped: 9 },
      ]),
      'preserving',
    );
  });
  it('sequential when new mappings step by small increments', () => {
    const s = [1000, 1001, 1002, 1004].map((m, i) => ({ local: 5000 + i, mapped: m }));
    assert.equal(classifyPortAllocation(s), 'sequential');
  });
  it('random otherwise', () => {
    const s = [1000, 30000, 2000].map((m, i) => ({ local: 5000 + i, mapped: m }));
    assert.equal(classifyPortAllocation(s), 'random');
  });
  it('undecided with too few samples', () => {
    assert.equal(classifyPortAllocation([{ local: 1, mapped: 2 }]), null);
    assert.equal(classifyPortAllocation([]), null);
  });
});
