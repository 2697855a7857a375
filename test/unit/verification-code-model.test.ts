import { describe, expect, it } from 'vitest';
import { codeHash, newLongCode, newShortCode, parseCode } from '../../src/modules/verification-codes/model.js';

describe('verification codes (pure rules)', () => {
  it('makes a short code of 8 Crockford base32 characters from 40 random bits, with its check character', () => {
    // 0xff00123456 = 11111 11100 00000 00001 00100 01101 00010 10110 → Z W 0 1 4 D 2 P; value mod 37 = 28 → V.
    expect(newShortCode(() => Buffer.from([0xff, 0x00, 0x12, 0x34, 0x56]))).toBe('ZW01-4D2P-V');
    expect(newShortCode(() => Buffer.alloc(5))).toBe('0000-0000-0');
    expect(newShortCode()).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z*~$=U]$/);
  });

  it('computes the check character as the value mod 37 (Crockford: 32..36 are * ~ $ = U)', () => {
    expect(parseCode('ZZZZ-ZZZZ-F')).toEqual({ kind: 'short', normalised: 'ZZZZ-ZZZZ-F' }); // 2^40 − 1 ≡ 15
    expect(parseCode('7KQ2-M9XD-F')).toEqual({ kind: 'short', normalised: '7KQ2-M9XD-F' }); // 261693777837 ≡ 15
    expect(parseCode('0000-000Z-Z')).toEqual({ kind: 'short', normalised: '0000-000Z-Z' }); // 31
    expect(parseCode('0000-0001-1')).toEqual({ kind: 'short', normalised: '0000-0001-1' });
  });

  it('reads what a person types: any case, spaces or dashes, O as 0, I and L as 1', () => {
    expect(parseCode(' zw01 4d2p v ')).toEqual({ kind: 'short', normalised: 'ZW01-4D2P-V' });
    expect(parseCode('ZWO1-4D2P-V')).toEqual({ kind: 'short', normalised: 'ZW01-4D2P-V' });
    expect(parseCode('oooo-oooi-l')).toEqual({ kind: 'short', normalised: '0000-0001-1' });
  });

  it('tells a mistyped character (check character wrong) from something that is not a code', () => {
    expect(parseCode('ZW01-4D2P-W')).toEqual({ kind: 'bad_check', normalised: 'ZW01-4D2P-V' });
    expect(parseCode('ZW01-4D3P-V').kind).toBe('bad_check'); // one character changed
    expect(parseCode('WZ01-4D2P-V').kind).toBe('bad_check'); // two characters swapped
    expect(parseCode('ZW01-4D2P').kind).toBe('unknown_format');
    expect(parseCode('ZW01-4D2P-VV').kind).toBe('unknown_format');
    expect(parseCode('ZW01-4D2U-V').kind).toBe('unknown_format'); // U is only a check symbol
    expect(parseCode('').kind).toBe('unknown_format');
  });

  it('makes a long code of 128 random bits in base64url and reads it back unchanged', () => {
    const long = newLongCode(() => Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex'));
    expect(long).toBe('AAECAwQFBgcICQoLDA0ODw');
    expect(parseCode(long)).toEqual({ kind: 'long', normalised: long });
    expect(newLongCode()).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('stores codes only as keyed hashes (HMAC-SHA256)', () => {
    const key = Buffer.from('key');
    // HMAC-SHA256("key", "ZW01-4D2P-V"), computed independently with Python's hmac module.
    expect(codeHash(key, 'ZW01-4D2P-V')).toBe(HMAC_OF_EXAMPLE);
    expect(codeHash(Buffer.from('other key'), 'ZW01-4D2P-V')).not.toBe(HMAC_OF_EXAMPLE);
  });
});

const HMAC_OF_EXAMPLE = '10635254d6f9e15da87c73231ae0a37fd0c69c217a7d55b2f3c5ba78119f26ff';
