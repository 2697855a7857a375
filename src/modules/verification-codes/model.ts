import { createHmac, randomBytes } from 'node:crypto';

/**
 * Verification codes (pure rules). A short code is 8 characters of Crockford base32 (40 random bits) and a check
 * character, read out on the phone as XXXX-XXXX-C; a long code is 128 random bits in base64url, for a link or a QR
 * code. Only keyed hashes of codes are stored.
 */

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Crockford's check symbols: the 32 digits, then *, ~, $, = and U for the values 32 to 36. */
const CHECK_SYMBOLS = `${ALPHABET}*~$=U`;
const SHORT_DATA_LENGTH = 8;
const LONG_CODE_BYTES = 16;
const LONG_CODE_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** The value of a short code's data characters (at most 40 bits: exact in a double). */
function dataValue(data: string): number {
  let value = 0;
  for (const char of data) value = value * 32 + ALPHABET.indexOf(char);
  return value;
}

function checkSymbolOf(data: string): string {
  return CHECK_SYMBOLS[dataValue(data) % 37]!;
}

/** A new short code as shown to the person: 'XXXX-XXXX-C'. */
export function newShortCode(random: (bytes: number) => Buffer = randomBytes): string {
  const bytes = random(5);
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let data = '';
  for (let i = SHORT_DATA_LENGTH - 1; i >= 0; i--) data += ALPHABET[Number((bits >> BigInt(5 * i)) & 31n)];
  return `${data.slice(0, 4)}-${data.slice(4)}-${checkSymbolOf(data)}`;
}

/** A new long code: 128 random bits, base64url (22 characters). */
export function newLongCode(random: (bytes: number) => Buffer = randomBytes): string {
  return random(LONG_CODE_BYTES).toString('base64url');
}

export type ParsedCode =
  | { readonly kind: 'short'; readonly normalised: string }
  | { readonly kind: 'long'; readonly normalised: string }
  | { readonly kind: 'bad_check'; readonly normalised: string }
  | { readonly kind: 'unknown_format' };

/**
 * What a person typed: a short code (case, spaces and dashes ignored; O read as 0, I and L as 1), a long code, a
 * short code whose check character does not match (a typing mistake), or nothing that looks like a code.
 */
export function parseCode(input: string): ParsedCode {
  const trimmed = input.trim();
  if (LONG_CODE_PATTERN.test(trimmed)) return { kind: 'long', normalised: trimmed };
  const compact = trimmed.replace(/[\s-]/g, '').toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
  if (compact.length !== SHORT_DATA_LENGTH + 1) return { kind: 'unknown_format' };
  const data = compact.slice(0, SHORT_DATA_LENGTH);
  const check = compact.slice(SHORT_DATA_LENGTH);
  if ([...data].some((char) => !ALPHABET.includes(char)) || !CHECK_SYMBOLS.includes(check)) {
    return { kind: 'unknown_format' };
  }
  const normalised = `${data.slice(0, 4)}-${data.slice(4)}-${checkSymbolOf(data)}`;
  return checkSymbolOf(data) === check ? { kind: 'short', normalised } : { kind: 'bad_check', normalised };
}

/** The keyed hash a code is stored and looked up by (HMAC-SHA256 under the server's code key). */
export function codeHash(key: Buffer, normalised: string): string {
  return createHmac('sha256', key).update(normalised).digest('hex');
}
