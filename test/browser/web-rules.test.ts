import { describe, expect, it } from 'vitest';
import { canonicalVenueCode, newVenueCode } from '../../src/modules/venues/model.js';
import { distanceMetres } from '../../web/app/recorder.js';
import { groupedVenueCode, normaliseVenueCode } from '../../web/shared/venues.js';

/** The app's pure rules: venue codes as people type them, and when the phone has moved on. */
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
