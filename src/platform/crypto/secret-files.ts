import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * For the embedded single-machine setup: a secret generated once under the data directory,
 * readable by the owner only. Multi-process deployments pass secrets through configuration instead.
 */
export function readOrCreateSecretFile(dataDir: string, fileName: string, create: () => string): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, fileName);
  if (!existsSync(path)) {
    writeFileSync(path, `${create()}\n`, { mode: 0o600, flag: 'wx' });
  }
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) chmodSync(path, 0o600);
  return readFileSync(path, 'utf8').trim();
}

export function generateEncryptionKeySpec(): string {
  return `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}:${randomBytes(32).toString('base64')}`;
}

export function generateTokenSecret(): string {
  return randomBytes(48).toString('base64url');
}
