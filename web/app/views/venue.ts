import { replace } from '../../shared/dom.js';
import { venueRegistration } from '../../shared/venue-form.js';
import type { Screen } from '../context.js';

/** Venue owners register their venue and print its QR code. */
export const venueScreen: Screen = (main, context) => {
  replace(
    main,
    venueRegistration(() => context.client),
  );
};
