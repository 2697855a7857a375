import { FieldCipher } from './field-cipher.js';
import { generateEncryptionKeySpec, generateTokenSecret, readOrCreateSecretFile } from './secret-files.js';

export interface SecretSettings {
  readonly dataDir: string;
  readonly encryptionKeys: string | undefined;
  readonly tokenSecret: string | undefined;
}

/** Secrets from configuration, or (embedded setup only) from owner-only files generated once under DATA_DIR. */
export function resolveSecrets(settings: SecretSettings): { cipher: FieldCipher; tokenSecret: string } {
  const keySpec =
    settings.encryptionKeys ?? readOrCreateSecretFile(settings.dataDir, 'encryption.key', generateEncryptionKeySpec);
  const tokenSecret =
    settings.tokenSecret ?? readOrCreateSecretFile(settings.dataDir, 'token.secret', generateTokenSecret);
  return { cipher: FieldCipher.fromSpec(keySpec), tokenSecret };
}
