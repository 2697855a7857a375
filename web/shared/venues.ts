import { type EpitraceClient, EpitraceApiError } from '../sdk/index.js';
import type { CreateVenueBody, Venue } from '../../src/contracts/venues.js';

export type { Venue };

/** POST /venues and GET /venues/{code}: venue calls the SDK does not have, on its generic request method. */
export function registerVenue(client: EpitraceClient, body: CreateVenueBody): Promise<Venue> {
  return client.request('POST', '/venues', { body });
}

/**
 * The venue offered instead when POST /venues answered 409: the caller already registered one with the same name and
 * address (`existing_venue` of the problem). Null for any other error.
 */
export function existingVenueOf(error: unknown): Venue | null {
  if (!(error instanceof EpitraceApiError) || error.status !== 409) return null;
  const existing = (error.problem as { existing_venue?: unknown }).existing_venue;
  if (typeof existing !== 'object' || existing === null) return null;
  const venue = existing as Partial<Venue>;
  return typeof venue.id === 'string' && typeof venue.name === 'string' && typeof venue.qr_svg === 'string'
    ? (venue as Venue)
    : null;
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
