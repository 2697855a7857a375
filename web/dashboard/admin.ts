import { h, replace } from '../shared/dom.js';
import { venueRegistration } from '../shared/venue-form.js';
import type { View } from './context.js';

/** Administrators: register venues for their owners (staff accounts are managed with the CLI or POST /staff). */
export const adminView: View = (main, context) => {
  replace(
    main,
    h(
      'div',
      { class: 'grid' },
      venueRegistration(() => context.client),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'staff-heading' },
        h('h2', { id: 'staff-heading' }, 'Staff accounts'),
        h(
          'p',
          {},
          'Create staff accounts with ',
          h('code', {}, 'npx epitrace admin create-staff'),
          ' or the POST /staff route.',
        ),
      ),
    ),
  );
};
