import { Type, type Static } from '@sinclair/typebox';
import { IsoDateTime } from './common.js';

export const ListProximityTokensQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({
        format: 'date-time',
        maxLength: 40,
        description:
          'First instant to cover (ISO 8601 with offset); tokens start at the 15-minute interval containing it. ' +
          'Defaults to now. At most 5 minutes before now (or anywhere in the current interval) and at most 7 days ahead.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ListProximityTokensQuery = Static<typeof ListProximityTokensQuery>;

export const ProximityToken = Type.Object({
  token: Type.String({
    pattern: '^[A-Za-z0-9_-]{22}$',
    description: 'Broadcast this over Bluetooth during [valid_from, valid_to)',
  }),
  valid_from: IsoDateTime,
  valid_to: IsoDateTime,
});
export type ProximityToken = Static<typeof ProximityToken>;

export const ProximityTokenList = Type.Object({
  interval_minutes: Type.Integer({ description: 'How long each token is broadcast before the next one' }),
  tokens: Type.Array(ProximityToken, {
    description: 'Consecutive tokens, oldest first, one per interval for 24 hours',
  }),
});
export type ProximityTokenList = Static<typeof ProximityTokenList>;
