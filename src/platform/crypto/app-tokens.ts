import { createHash, randomBytes } from 'node:crypto';

/** App bearer tokens: 256 random bits, shown once, stored only as a SHA-256 hash. */
export const APP_TOKEN_PREFIX = 'ept_';

export function newAppToken(): string {
  return APP_TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashAppToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

export function looksLikeAppToken(token: string): boolean {
  return token.startsWith(APP_TOKEN_PREFIX) && /^[A-Za-z0-9_-]{43}$/.test(token.slice(APP_TOKEN_PREFIX.length));
}
