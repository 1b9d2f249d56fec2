import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  StunAttr,
  StunClass,
  StunMethod,
  decodeAddress,
  decodeErrorCode,
  decodeStunMessage,
  decodeUnknownAttributes,
  decodeXorAddress,
  encodeChangeRequest,
  encodeResponsePort,
  encodeStunMessage,
  findAttribute,
  newTransactionId,
  verifyFingerprint,
  type StunAttribute,
  type StunMessage,
  type TransportAddress,
} from '@peerlink/wire';
import { BindingServer, PRIMARY, type BindingOutcome } from '../src/index.js';

const client: TransportAddress = { family: 4, address: '198.51.100.7', port: 40000 };
const rfc5780 = new BindingServer({
  primary: { address: '203.0.113.1', port: 3478 },
  alternate: { address: '203.0.113.2', port: 3479 },
});
const single = new BindingServer({ primary: { address: '203.0.113.1', port: 3478 } });

function request(attributes: StunAttribute[] = [], fingerprint = false): Uint8Array {
  return encodeStunMessage(
    { method: StunMethod.Binding, cls: StunClass.Request, transactionId: newTransactionId(), attributes },
    { fingerprint },
  );
}

function reply(out: BindingOutcome): { msg: StunMessage; out: Extract<BindingOutcome, { kind: 'reply' }> } {
  assert.equal(out.kind, 'reply');
  if (out.kind !== 'reply') throw new Error('unreachable');
  const d = decodeStunMessage(out.bytes);
  assert.ok(d.ok);
  if (!d.ok) throw new Error('unreachable');
  return { msg: d.value, out };
}

function addr(msg: StunMessage, type: number): TransportAddress | undefined {
  const a = findAttribute(msg, type);
  if (!a) return undefined;
  const r = decodeAddress(a.value);
  return r.ok ? r.value : undefined;
}

describe('STUN Binding engine', () => {
  it('answers with XOR-MAPPED-ADDRESS of the sender, same transaction', () => {
    const bytes = request();
    const { msg, out } = reply(single.handle(bytes, { from: client, via: PRIMARY, transport: 'udp' }));
    assert.equal(msg.cls, StunClass.SuccessResponse);
    assert.deepEqual(
      msg.transactionId,
      decodeStunMessage(bytes).ok && (decodeStunMessage(bytes) as { value: StunMessage }).value.transactionId,
    );
    const x = findAttribute(msg, StunAttr.XorMappedAddress);
    assert.ok(x);
    assert.deepEqual(decodeXorAddress(x.value, msg.transactionId), { ok: true, value: client });
    assert.deepEqual(out.to, client);
    assert.deepEqual(out.via, PRIMARY);
    assert.equal(
      findAttribute(msg, StunAttr.OtherAddress),
      undefined,
      'no OTHER-ADDRESS without an alternate',
    );
    assert.equal(findAttribute(msg, StunAttr.Software), undefined, 'no SOFTWARE unless configured');
  });

  it('works for IPv6 clients', () => {
    const v6: TransportAddress = { family: 6, address: '2001:db8::42', port: 5000 };
    const { msg } = reply(single.handle(request(), { from: v6, via: PRIMARY, transport: 'udp' }));
    const x = findAttribute(msg, StunAttr.XorMappedAddress);
    assert.ok(x);
    assert.deepEqual(decodeXorAddress(x.value, msg.transactionId), { ok: true, value: v6 });
  });

  it('adds a FINGERPRINT when the request had one', () => {
    const { out } = reply(single.handle(request([], true), { from: client, via: PRIMARY, transport: 'udp' }));
    assert.ok(verifyFingerprint(out.bytes));
  });

  it('RFC 5780: RESPONSE-ORIGIN and the diagonal OTHER-ADDRESS', () => {
    const { msg } = reply(
      rfc5780.handle(request(), {
        from: client,
        via: { ip: 'alternate', port: 'primary' },
        transport: 'udp',
      }),
    );
    assert.deepEqual(addr(msg, StunAttr.ResponseOrigin), { family: 4, address: '203.0.113.2', port: 3478 });
    assert.deepEqual(addr(msg, StunAttr.OtherAddress), { family: 4, address: '203.0.113.1', port: 3479 });
  });

  for (const [changeIp, changePort, ip, port] of [
    [true, true, 'alternate', 'alternate'],
    [true, false, 'alternate', 'primary'],
    [false, true, 'primary', 'alternate'],
    [false, false, 'primary', 'primary'],
  ] as const) {
    it(`RFC 5780: CHANGE-REQUEST ip=${changeIp} port=${changePort} answers from ${ip} ip, ${port} port`, () => {
      const bytes = request([
        { type: StunAttr.ChangeRequest, value: encodeChangeRequest({ changeIp, changePort }) },
      ]);
      const { msg, out } = reply(rfc5780.handle(bytes, { from: client, via: PRIMARY, transport: 'udp' }));
      assert.deepEqual(out.via, { ip, port });
      assert.deepEqual(addr(msg, StunAttr.ResponseOrigin), {
        family: 4,
        address: ip === 'primary' ? '203.0.113.1' : '203.0.113.2',
        port: port === 'primary' ? 3478 : 3479,
      });
    });
  }

  it('RFC 5780: CHANGE-REQUEST without an alternate address is 420 naming it', () => {
    const bytes = request([
      { type: StunAttr.ChangeRequest, value: encodeChangeRequest({ changeIp: true, changePort: false }) },
    ]);
    const { msg } = reply(single.handle(bytes, { from: client, via: PRIMARY, transport: 'udp' }));
    assert.equal(msg.cls, StunClass.ErrorResponse);
    const e = findAttribute(msg, StunAttr.ErrorCode);
    assert.ok(e);
    assert.equal((decodeErrorCode(e.value) as { value: { code: number } }).value.code, 420);
    const u = findAttribute(msg, StunAttr.UnknownAttributes);
    assert.ok(u);
    assert.deepEqual(decodeUnknownAttributes(u.value), { ok: true, value: [StunAttr.ChangeRequest] });
  });

  it('RFC 5780: CHANGE-REQUEST over TCP is 400 (the answer must use the same connection)', () => {
    const bytes = request([
      { type: StunAttr.ChangeRequest, value: encodeChangeRequest({ changeIp: true, changePort: true }) },
    ]);
    const { msg } = reply(rfc5780.handle(bytes, { from: client, via: PRIMARY, transport: 'tcp' }));
    const e = findAttribute(msg, StunAttr.ErrorCode);
    assert.ok(e);
    assert.equal((decodeErrorCode(e.value) as { value: { code: number } }).value.code, 400);
  });

  it('RFC 5780: RESPONSE-PORT redirects the answer to another port of the same address', () => {
    const bytes = request([{ type: StunAttr.ResponsePort, value: encodeResponsePort(41000) }]);
    const { out } = reply(rfc5780.handle(bytes, { from: client, via: PRIMARY, transport: 'udp' }));
    assert.deepEqual(out.to, { ...client, port: 41000 });
  });

  it('RFC 5780: PADDING is mirrored in size over UDP', () => {
    const bytes = request([{ type: StunAttr.Padding, value: new Uint8Array(400) }]);
    const { msg } = reply(rfc5780.handle(bytes, { from: client, via: PRIMARY, transport: 'udp' }));
    assert.equal(findAttribute(msg, StunAttr.Padding)?.value.length, 400);
  });

  it('unknown comprehension-required attributes get 420 listing them; optional ones are ignored', () => {
    const bytes = request([
      { type: 0x7f01, value: new Uint8Array(4) },
      { type: 0xc001, value: new Uint8Array(4) },
    ]);
    const { msg } = reply(single.handle(bytes, { from: client, via: PRIMARY, transport: 'udp' }));
    const u = findAttribute(msg, StunAttr.UnknownAttributes);
    assert.ok(u);
    assert.deepEqual(decodeUnknownAttributes(u.value), { ok: true, value: [0x7f01] });
  });

  it('includes SOFTWARE only when configured', () => {
    const s = new BindingServer({
      primary: { address: '203.0.113.1', port: 3478 },
      software: 'peerlink test',
    });
    const { msg } = reply(s.handle(request(), { from: client, via: PRIMARY, transport: 'udp' }));
    assert.ok(findAttribute(msg, StunAttr.Software));
  });

  it('drops garbage, indications, responses and bad fingerprints with a reason', () => {
    const ctx = { from: client, via: PRIMARY, transport: 'udp' } as const;
    assert.deepEqual(single.handle(new Uint8Array([1, 2, 3]), ctx), { kind: 'drop', reason: 'malformed' });
    const ind = encodeStunMessage({
      method: StunMethod.Binding,
      cls: StunClass.Indication,
      transactionId: newTransactionId(),
      attributes: [],
    });
    assert.deepEqual(single.handle(ind, ctx), { kind: 'drop', reason: 'not-request' });
    const bad = request([], true);
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0xff;
    assert.deepEqual(single.handle(bad, ctx), { kind: 'drop', reason: 'bad-fingerprint' });
  });

  it('hands non-Binding methods back to the caller (the TURN engine)', () => {
    const alloc = encodeStunMessage({
      method: StunMethod.Allocate,
      cls: StunClass.Request,
      transactionId: newTransactionId(),
      attributes: [],
    });
    const out = single.handle(alloc, { from: client, via: PRIMARY, transport: 'udp' });
    assert.equal(out.kind, 'not-binding');
  });

  it('never throws on random and mutated input (fuzz, 200k datagrams)', () => {
    let seed = 0x12345678;
    const rnd = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    const valid = request(
      [{ type: StunAttr.ChangeRequest, value: encodeChangeRequest({ changeIp: true, changePort: true }) }],
      true,
    );
    const counts = { reply: 0, drop: 0, 'not-binding': 0 };
    for (let i = 0; i < 200_000; i++) {
      let bytes: Uint8Array;
      if (i % 2 === 0) {
        bytes = valid.slice(0, rnd() % (valid.length + 1));
        for (let k = rnd() % 4; k > 0 && bytes.length > 0; k--) {
          const at = rnd() % bytes.length;
          bytes[at] = (bytes[at] ?? 0) ^ (1 << (rnd() % 8));
        }
      } else {
        bytes = new Uint8Array(rnd() % 128);
        for (let k = 0; k < bytes.length; k++) bytes[k] = rnd() & 0xff;
        if (bytes.length >= 8) bytes.set([0x00, 0x01, 0, 0, 0x21, 0x12, 0xa4, 0x42].slice(0, 8), 0);
      }
      counts[rfc5780.handle(bytes, { from: client, via: PRIMARY, transport: 'udp' }).kind]++;
    }
    assert.ok(counts.drop > 0 && counts.reply > 0, JSON.stringify(counts));
  });
});
