import { Type, type Static } from '@sinclair/typebox';
import { IsoDateTime, Problem } from './common.js';

/**
 * A venue code: 10 characters of Crockford's base32 (no I, L, O, U, so it reads aloud and types without mix-ups).
 * It is the venue's id, the content of its QR code and the `venue_id` of a check-in. Case-insensitive.
 */
export const VENUE_CODE_PATTERN = '^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{10}$';
export const VenueCode = Type.String({
  pattern: VENUE_CODE_PATTERN,
  minLength: 10,
  maxLength: 10,
  description: 'Venue code (its QR code content)',
  examples: ['7K3QX9M2PA'],
});

const VenueText = (max: number, description: string) =>
  Type.String({ minLength: 1, maxLength: max, pattern: '\\S', description });

export const CreateVenueBody = Type.Object(
  {
    name: VenueText(120, 'Name shown to people who check in, e.g. "Café Lumière"'),
    address: Type.Optional(VenueText(255, 'Street address, so people can recognise the place in a notification')),
    allow_duplicate: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'Register it even if the caller already registered a venue with the same name and address (compared in any ' +
          'case and spacing). Without it, such a registration is answered 409 with the existing venue.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CreateVenueBody = Static<typeof CreateVenueBody>;

export const Venue = Type.Object(
  {
    id: Type.String({ description: 'Venue code: the QR code content and the `venue_id` of check-ins' }),
    name: Type.String(),
    address: Type.Union([Type.String(), Type.Null()]),
    qr_svg: Type.String({ description: 'Printable QR code of the venue code, as an SVG document' }),
    created_at: IsoDateTime,
  },
  { title: 'Venue' },
);
export type Venue = Static<typeof Venue>;

export const VenueParams = Type.Object({ id: VenueCode }, { additionalProperties: false });
export type VenueParams = Static<typeof VenueParams>;

/** 409 to POST /venues: the caller already registered a venue with this name and address; here it is. */
export const DuplicateVenueProblem = Type.Composite(
  [Type.Omit(Problem, ['errors']), Type.Object({ existing_venue: Venue })],
  {
    title: 'DuplicateVenueProblem',
    description:
      'RFC 9457 problem details: the venue the caller registered before with the same name and address, with its ' +
      'code and QR code. Send `allow_duplicate: true` to register a second one anyway.',
  },
);
export type DuplicateVenueProblem = Static<typeof DuplicateVenueProblem>;
