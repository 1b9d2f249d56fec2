import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { saslprep } from '../src/stun/saslprep.js';

// RFC 4013 §3 examples, plus the RFC 5769 §2.4 password.
describe('SASLprep (RFC 4013)', () => {
  it('maps soft hyphen to nothing', () => assert.equal(saslprep('I\u00adX'), 'IX'));
  it('leaves ASCII alone', () => assert.equal(saslprep('user'), 'user'));
  it('keeps case', () => assert.equal(saslprep('USER'), 'USER'));
  it('NFKC: feminine ordinal indicator to a', () => assert.equal(saslprep('\u00aa'), 'a'));
  it('NFKC: roman numeral nine to IX', () => assert.equal(saslprep('\u2168'), 'IX'));
  it('maps non-ASCII space to space', () => assert.equal(saslprep('a\u00a0b\u3000c'), 'a b c'));
  it('prepares the RFC 5769 password', () => assert.equal(saslprep('The\u00adM\u00aatr\u2168'), 'TheMatrIX'));
  it('refuses control characters', () => assert.throws(() => saslprep('\u0007')));
  it('refuses private use and non-characters', () => {
    assert.throws(() => saslprep('a\ue000'));
    assert.throws(() => saslprep('a\ufffe'));
    assert.throws(() => saslprep('\u{10fffe}'));
  });
  it('refuses a lone surrogate', () => assert.throws(() => saslprep('a\ud800b')));
  it('bidi: refuses mixed directions, allows pure right-to-left', () => {
    assert.throws(() => saslprep('\u0627\u0031'), /start and end/);
    assert.throws(() => saslprep('\u0627a\u0628'), /mixes/);
    assert.equal(saslprep('\u0627\u0031\u0628'), '\u0627\u0031\u0628');
  });
});
