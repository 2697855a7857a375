import { createHmac, randomBytes } from 'node:crypto';
import { createSigner, createVerifier } from 'fast-jwt';

/** Staff refresh tokens: 256 random bits after this prefix, stored only as a keyed hash. */
export const REFRESH_TOKEN_PREFIX = 'eprt_';

export interface StaffClaims {
  readonly sub: string;
  readonly role: string;
}

/** Short-lived HS256 tokens for staff, signed with the configured secret. */
export class StaffTokens {
  private readonly sign: (payload: Record<string, unknown>) => string;
  private readonly verify: (token: string) => Record<string, unknown>;
  /** The key refresh tokens are hashed under: derived from the secret, never the secret itself. */
  private readonly refreshKey: Buffer;

  constructor(
    secret: string,
    readonly ttlSeconds: number,
  ) {
    this.sign = createSigner({
      key: secret,
      algorithm: 'HS256',
      expiresIn: ttlSeconds * 1000,
      iss: 'epitrace',
      aud: 'epitrace-staff',
    });
    this.verify = createVerifier({
      key: secret,
      algorithms: ['HS256'],
      allowedIss: 'epitrace',
      allowedAud: 'epitrace-staff',
      cache: true,
    });
    this.refreshKey = createHmac('sha256', secret).update('staff-refresh-tokens').digest();
  }

  issue(claims: StaffClaims): string {
    return this.sign({ sub: claims.sub, role: claims.role });
  }

  /** Returns the claims, or null for a forged, expired or malformed token. */
  check(token: string): StaffClaims | null {
    try {
      const payload = this.verify(token);
      if (typeof payload.sub !== 'string' || typeof payload.role !== 'string') return null;
      return { sub: payload.sub, role: payload.role };
    } catch {
      return null;
    }
  }

  /** A new opaque refresh token (shown once to the client). */
  newRefreshToken(): string {
    return REFRESH_TOKEN_PREFIX + randomBytes(32).toString('base64url');
  }

  /** Whether a string has the shape of a refresh token (not whether one was ever issued). */
  looksLikeRefreshToken(token: string): boolean {
    return (
      token.startsWith(REFRESH_TOKEN_PREFIX) && /^[A-Za-z0-9_-]{43}$/.test(token.slice(REFRESH_TOKEN_PREFIX.length))
    );
  }

  /** The keyed hash a refresh token is stored and looked up by (HMAC-SHA256). */
  hashRefreshToken(token: string): string {
    return createHmac('sha256', this.refreshKey).update(token, 'utf8').digest('hex');
  }
}
