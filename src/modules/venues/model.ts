import { randomInt } from 'node:crypto';

/** Crockford's base32 alphabet: digits and letters without I, L, O and U. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const VENUE_CODE_LENGTH = 10;

/** A new random venue code (50 bits). */
export function newVenueCode(): string {
  let code = '';
  for (let i = 0; i < VENUE_CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** The stored spelling of a venue code typed in any case. */
export function canonicalVenueCode(code: string): string {
  return code.toUpperCase();
}
