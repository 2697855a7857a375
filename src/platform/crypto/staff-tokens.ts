import { createSigner, createVerifier } from 'fast-jwt';

export interface StaffClaims {
  readonly sub: string;
  readonly role: string;
}

/** Short-lived HS256 tokens for staff, signed with the configured secret. */
export class StaffTokens {
  private readonly sign: (payload: Record<string, unknown>) => string;
  private readonly verify: (token: string) => Record<string, unknown>;

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
}
