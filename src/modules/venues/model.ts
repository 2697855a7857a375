import { createHmac, randomInt } from 'node:crypto';

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

/**
 * A venue's name or address as compared for duplicates: Unicode-normalised (NFKC), in lower case, with runs of
 * white space as one space and none at either end. "  Café  LUMIÈRE " and "café lumière" are the same.
 */
export function normaliseVenueText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Who registered a venue, for duplicate detection: an app account or a staff account. */
export type VenueOwner =
  | { readonly kind: 'user'; readonly id: string }
  | { readonly kind: 'staff'; readonly id: string };

/**
 * The key a venue is found by when its owner registers it again: HMAC-SHA256 of the owner and the normalised name
 * and address, under the venue-duplicates key. The same owner, name and address give the same key; nothing else does.
 */
export function venueDuplicateKey(key: Buffer, owner: VenueOwner, name: string, address: string | null): string {
  const fields = [owner.kind, owner.id, normaliseVenueText(name), address === null ? '' : normaliseVenueText(address)];
  // JSON keeps the fields apart: no name and address can be split differently into the same string.
  return createHmac('sha256', key).update(JSON.stringify(fields)).digest('hex');
}

/** The duplicates key, derived from the server's token secret (never the secret itself). */
export function deriveVenueDuplicateKey(tokenSecret: string): Buffer {
  return createHmac('sha256', tokenSecret).update('venue-duplicates').digest();
}
