import { Type, type Static } from '@sinclair/typebox';
import { IsoDateTime, NextCursor, PageQuery, Uuid, uuidString } from './common.js';

export const MAX_BATCH = 1000;

const Common = {
  id: uuidString('Client-generated UUID: a retried upload is stored once'),
  started_at: IsoDateTime,
  ended_at: IsoDateTime,
};

export const LocationObservation = Type.Object(
  {
    ...Common,
    kind: Type.Literal('location'),
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    lng: Type.Number({ minimum: -180, maximum: 180 }),
    accuracy_m: Type.Optional(
      Type.Number({ minimum: 0, maximum: 10_000, description: 'Reported GPS accuracy in metres' }),
    ),
  },
  { additionalProperties: false, $id: 'LocationObservation', title: 'LocationObservation' },
);

export const CheckinObservation = Type.Object(
  {
    ...Common,
    kind: Type.Literal('checkin'),
    venue_id: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[A-Za-z0-9_.:-]+$',
      description: 'Venue code from its QR code',
    }),
  },
  { additionalProperties: false, $id: 'CheckinObservation', title: 'CheckinObservation' },
);

export const ProximityObservation = Type.Object(
  {
    ...Common,
    kind: Type.Literal('proximity'),
    peer_token: Type.String({
      minLength: 16,
      maxLength: 128,
      pattern: '^[A-Za-z0-9_-]+$',
      description: "Rotating token the peer's phone broadcast",
    }),
    attenuation_db: Type.Number({ minimum: 0, maximum: 150, description: 'Bluetooth attenuation in dB' }),
  },
  { additionalProperties: false, $id: 'ProximityObservation', title: 'ProximityObservation' },
);

export type LocationObservation = Static<typeof LocationObservation>;
export type CheckinObservation = Static<typeof CheckinObservation>;
export type ProximityObservation = Static<typeof ProximityObservation>;
export type Observation = LocationObservation | CheckinObservation | ProximityObservation;

/**
 * oneOf with a discriminator, so a bad item is reported against its own kind's schema (ajv's `discriminator` option).
 * Each kind has an `$id`, so the API document names it as a component and the oneOf lists references to them.
 */
export const Observation = Type.Unsafe<Observation>({
  type: 'object',
  required: ['kind'],
  discriminator: { propertyName: 'kind' },
  oneOf: [LocationObservation, CheckinObservation, ProximityObservation],
});

export const UploadInteractionsBody = Type.Object(
  { interactions: Type.Array(Observation, { minItems: 1, maxItems: MAX_BATCH }) },
  { additionalProperties: false },
);
export type UploadInteractionsBody = Static<typeof UploadInteractionsBody>;

export const Interaction = Type.Object({
  id: Uuid,
  user_id: Uuid,
  kind: Type.Union([Type.Literal('location'), Type.Literal('checkin'), Type.Literal('proximity')]),
  location: Type.Union([Type.String({ description: 'H3 cell' }), Type.Null()]),
  lat: Type.Union([Type.Number(), Type.Null()]),
  lng: Type.Union([Type.Number(), Type.Null()]),
  accuracy_m: Type.Union([Type.Number(), Type.Null()]),
  venue_id: Type.Union([Type.String(), Type.Null()]),
  peer_token: Type.Union([Type.String(), Type.Null()]),
  attenuation_db: Type.Union([Type.Number(), Type.Null()]),
  started_at: IsoDateTime,
  ended_at: IsoDateTime,
  received_at: IsoDateTime,
});
export type Interaction = Static<typeof Interaction>;

export const UploadInteractionsResponse = Type.Object({
  interactions: Type.Array(Interaction),
  created: Type.Integer({ description: 'Observations stored by this request' }),
  duplicates: Type.Integer({ description: 'Observations already stored by an earlier upload' }),
});

export const ListInteractionsQuery = Type.Object({ user_id: Uuid, ...PageQuery }, { additionalProperties: false });
export type ListInteractionsQuery = Static<typeof ListInteractionsQuery>;

export const InteractionPage = Type.Object({ interactions: Type.Array(Interaction), next_cursor: NextCursor });
