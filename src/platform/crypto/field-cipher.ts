import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM encryption of single fields. The stored envelope is
 * `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts), so keys can rotate: the first key of the
 * ring encrypts, any key of the ring decrypts. The associated data binds a value to its row and column,
 * so a ciphertext copied into another row or column does not decrypt.
 */
export class FieldCipher {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly activeKeyId: string;

  constructor(keys: ReadonlyArray<{ id: string; key: Buffer }>) {
    if (keys.length === 0) throw new Error('at least one encryption key is required');
    const map = new Map<string, Buffer>();
    for (const { id, key } of keys) {
      if (!/^[A-Za-z0-9_-]{1,32}$/.test(id))
        throw new Error(`encryption key id "${id}" must be 1-32 letters, digits, _ or -`);
      if (key.length !== 32) throw new Error(`encryption key "${id}" must be 32 bytes (got ${key.length})`);
      if (map.has(id)) throw new Error(`encryption key id "${id}" appears twice`);
      map.set(id, key);
    }
    this.keys = map;
    this.activeKeyId = keys[0]!.id;
  }

  /** Parses `id:base64key,id2:base64key2`. */
  static fromSpec(spec: string): FieldCipher {
    const keys = spec.split(',').map((part) => {
      const [id, encoded, ...rest] = part.trim().split(':');
      if (id === undefined || encoded === undefined || rest.length > 0) {
        throw new Error('ENCRYPTION_KEYS must look like "keyid:base64key[,keyid2:base64key2]"');
      }
      return { id, key: Buffer.from(encoded, 'base64') };
    });
    return new FieldCipher(keys);
  }

  encrypt(plaintext: string, context: string): string {
    const key = this.keys.get(this.activeKeyId)!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      'v1',
      this.activeKeyId,
      iv.toString('base64url'),
      tag.toString('base64url'),
      ciphertext.toString('base64url'),
    ].join('.');
  }

  decrypt(envelope: string, context: string): string {
    const [version, keyId, iv, tag, ciphertext] = envelope.split('.');
    if (version !== 'v1' || keyId === undefined || iv === undefined || tag === undefined || ciphertext === undefined) {
      throw new Error('not an encrypted field');
    }
    const key = this.keys.get(keyId);
    if (key === undefined) throw new Error(`encryption key "${keyId}" is not configured`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** True when the value was encrypted with a key other than the active one (re-encrypt on rotation). */
  needsRotation(envelope: string): boolean {
    return envelope.split('.')[1] !== this.activeKeyId;
  }
}
