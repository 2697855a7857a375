import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FieldCipher } from '../../src/platform/crypto/field-cipher.js';
import { hashPassword, verifyPassword } from '../../src/platform/crypto/passwords.js';
import { StaffTokens } from '../../src/platform/crypto/staff-tokens.js';

const key = () => randomBytes(32);

describe('field encryption (AES-256-GCM)', () => {
  it('round-trips and never stores the plaintext', () => {
    const cipher = new FieldCipher([{ id: 'k1', key: key() }]);
    const envelope = cipher.encrypt('Ada Lovelace', 'users.name:1');
    expect(envelope).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(envelope).not.toContain('Ada');
    expect(cipher.decrypt(envelope, 'users.name:1')).toBe('Ada Lovelace');
    expect(cipher.encrypt('Ada Lovelace', 'users.name:1')).not.toBe(envelope); // fresh IV each time
  });

  it('refuses a value moved to another row or column, or tampered with', () => {
    const cipher = new FieldCipher([{ id: 'k1', key: key() }]);
    const envelope = cipher.encrypt('secret', 'users.name:1');
    expect(() => cipher.decrypt(envelope, 'users.name:2')).toThrow();
    expect(() => cipher.decrypt(envelope, 'users.contact_info:1')).toThrow();
    const parts = envelope.split('.');
    parts[4] = Buffer.from('forged').toString('base64url');
    expect(() => cipher.decrypt(parts.join('.'), 'users.name:1')).toThrow();
  });

  it('rotates keys: old values decrypt with a retired key, new ones use the first key', () => {
    const oldKey = key();
    const before = new FieldCipher([{ id: 'old', key: oldKey }]);
    const envelope = before.encrypt('x', 'c');
    const after = FieldCipher.fromSpec(`new:${key().toString('base64')},old:${oldKey.toString('base64')}`);
    expect(after.decrypt(envelope, 'c')).toBe('x');
    expect(after.needsRotation(envelope)).toBe(true);
    expect(after.encrypt('x', 'c').split('.')[1]).toBe('new');
  });

  it('validates key specifications', () => {
    expect(() => FieldCipher.fromSpec(`k1:${Buffer.alloc(16).toString('base64')}`)).toThrow(/32 bytes/);
    expect(() => FieldCipher.fromSpec('nokey')).toThrow(/keyid:base64key/);
    expect(() => new FieldCipher([])).toThrow();
  });
});

describe('staff credentials', () => {
  it('hashes passwords with scrypt and verifies them', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', hash)).toBe(false);
  });

  it('issues short-lived signed tokens and rejects forged ones', () => {
    const tokens = new StaffTokens('s'.repeat(40), 60);
    const token = tokens.issue({ sub: 'abc', role: 'authority' });
    expect(tokens.check(token)).toEqual({ sub: 'abc', role: 'authority' });
    expect(new StaffTokens('t'.repeat(40), 60).check(token)).toBeNull();
    expect(tokens.check(`${token.slice(0, -2)}xx`)).toBeNull();
    expect(tokens.check('not.a.jwt')).toBeNull();
  });
});
