import type { EpitraceClient } from '../sdk/index.js';
import type { CreateVenueBody, Venue } from '../../src/contracts/venues.js';

export type { Venue };

/** POST /venues and GET /venues/{code}: venue calls the SDK does not have, on its generic request method. */
export function registerVenue(client: EpitraceClient, body: CreateVenueBody): Promise<Venue> {
  return client.request('POST', '/venues', { body });
}

export function getVenue(client: EpitraceClient, code: string): Promise<Venue> {
  return client.request('GET', `/venues/${encodeURIComponent(code)}`);
}

/** A code as typed or scanned (any case, spaces or dashes between groups) → the canonical code, or null. */
export function normaliseVenueCode(input: string): string | null {
  const code = input.replace(/[\s-]/g, '').toUpperCase();
  return /^[0-9A-HJKMNP-TV-Z]{10}$/.test(code) ? code : null;
}

/** A code in groups, easier to read aloud: 7K3Q-X9M2-PA. */
export function groupedVenueCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}
