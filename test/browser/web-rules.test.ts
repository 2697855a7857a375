import { describe, expect, it } from 'vitest';
import { canonicalVenueCode, newVenueCode } from '../../src/modules/venues/model.js';
import { distanceMetres } from '../../web/app/recorder.js';
import { redeemFailure } from '../../web/app/redeem.js';
import { EpitraceApiError } from '../../web/sdk/errors.js';
import { codeFromScan, redeemLink } from '../../web/shared/verification-codes.js';
import { groupedVenueCode, normaliseVenueCode } from '../../web/shared/venues.js';

/**
 * The app's pure rules: venue codes as people type them, when the phone has moved on, verification codes as scanned
 * and what a refused one says.
 */
describe('venue codes', () => {
  it('are 10 characters of Crockford base32, different each time', () => {
    const codes = Array.from({ length: 200 }, newVenueCode);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{10}$/);
    expect(new Set(codes).size).toBe(200);
    expect(canonicalVenueCode('7k3qx9m2pa')).toBe('7K3QX9M2PA');
  });

  it('are read back from what people type: any case, spaces or dashes between groups', () => {
    expect(normaliseVenueCode('7K3Q-X9M2-PA')).toBe('7K3QX9M2PA');
    expect(normaliseVenueCode(' 7k3q x9m2 pa ')).toBe('7K3QX9M2PA');
    expect(groupedVenueCode('7K3QX9M2PA')).toBe('7K3Q-X9M2-PA');
    for (const wrong of ['', '7K3QX9M2P', '7K3QX9M2PAA', '7K3QX9M2PU', 'ILOU123456', 'https://example.org'])
      expect(normaliseVenueCode(wrong), wrong).toBeNull();
  });
});

describe('distance between two positions', () => {
  it('is the great-circle distance in metres', () => {
    // Paris, Notre-Dame to the Eiffel Tower: about 4.1 km.
    expect(distanceMetres({ lat: 48.853, lng: 2.3499 }, { lat: 48.8584, lng: 2.2945 })).toBeCloseTo(4_100, -2);
    // One thousandth of a degree of latitude: 111 m anywhere.
    expect(distanceMetres({ lat: 10, lng: 20 }, { lat: 10.001, lng: 20 })).toBeCloseTo(111.2, 0);
    expect(distanceMetres({ lat: 51.5, lng: -0.12 }, { lat: 51.5, lng: -0.12 })).toBe(0);
  });
});

describe('verification codes in the app', () => {
  it('travel in a link to the app, which a scan reduces to the code', () => {
    const link = redeemLink('https://epitrace.example', 'AbC-_0123456789abcdefg');
    expect(link).toBe('https://epitrace.example/app/#redeem/AbC-_0123456789abcdefg');
    expect(codeFromScan(link)).toBe('AbC-_0123456789abcdefg');
    expect(codeFromScan(' 7KQ2-M9XD-V ')).toBe('7KQ2-M9XD-V');
    expect(codeFromScan('#redeem/7KQ2-M9XD-V')).toBe('7KQ2-M9XD-V');
    expect(codeFromScan('https://x.example/app/#redeem/%E0%A4%A')).toBe('%E0%A4%A');
  });

  it('refused, say what is wrong in plain words', () => {
    const refused = (status: number, detail: string, retryAfter?: number) =>
      redeemFailure(
        new EpitraceApiError(
          'POST',
          '/cases/redeem',
          status,
          { type: 'about:blank', title: '', status, detail },
          retryAfter,
        ),
      );
    expect(refused(400, 'body/code: the check character is wrong, so a character was mistyped')).toBe(
      "The last character doesn't match — check the code for a typing mistake.",
    );
    expect(refused(400, 'body/code: no such code')).toMatch(/^This code was not found/);
    expect(refused(400, 'body/code is not a verification code: a short code is XXXX-XXXX-C')).toMatch(
      /^That is not a code from a test/,
    );
    expect(refused(409, 'this code has already been used')).toMatch(/^This code has already been used\./);
    expect(refused(410, 'this code has expired')).toMatch(/^This code has expired\./);
    expect(refused(429, 'too many', 1200)).toBe(
      'Too many wrong codes were tried. Please try again later, in about 20 minutes.',
    );
    expect(refused(429, 'too many')).toBe('Too many wrong codes were tried. Please try again later.');
    expect(redeemFailure(new TypeError('Failed to fetch'))).toMatch(/could not be reached/);
  });
});
