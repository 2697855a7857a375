import type { Case, PatchCaseBody, RevokeReason } from '../sdk/index.js';
import { formValues, h } from '../shared/dom.js';
import { localToday } from '../shared/format.js';
import type { DashboardContext } from './context.js';

/**
 * What the managing professional can do with an open case: correct its dates or type (the case is traced again),
 * close it (recovered, isolation over) or revoke it (a negative test, or entered in error: its exposures stop
 * counting and the people whose risk falls are told). Each asks why, for the audit log.
 */
export function caseActions(
  context: DashboardContext,
  c: Case,
  message: HTMLElement,
  changed: (c: Case) => void,
): HTMLElement {
  const run = (what: string, done: string, action: () => Promise<Case>) => {
    message.textContent = `${what}…`;
    action()
      .then((updated) => {
        changed(updated);
        message.textContent = done;
      })
      .catch((e: unknown) => (message.textContent = context.failed(e)));
  };

  // Correct the dates or the type.
  const correct = h(
    'form',
    { class: 'stack', 'aria-labelledby': 'correct-heading' },
    h('h3', { id: 'correct-heading' }, 'Correct the dates'),
    h('label', { for: 'correct-onset' }, 'Symptoms since'),
    h('input', { id: 'correct-onset', name: 'onset_date', type: 'date', max: localToday(), value: c.onset_date ?? '' }),
    h('label', { for: 'correct-test' }, 'Test date'),
    h('input', { id: 'correct-test', name: 'test_date', type: 'date', max: localToday(), value: c.test_date ?? '' }),
    c.report_type === 'self_reported' ? null : h('label', { for: 'correct-type' }, 'Type'),
    c.report_type === 'self_reported'
      ? null
      : h(
          'select',
          { id: 'correct-type', name: 'report_type' },
          h('option', { value: 'confirmed_test', selected: c.report_type === 'confirmed_test' }, 'Positive test'),
          h(
            'option',
            { value: 'clinical_diagnosis', selected: c.report_type === 'clinical_diagnosis' },
            'Clinical diagnosis',
          ),
        ),
    h('label', { for: 'correct-reason' }, 'Why the change (kept in the audit log)'),
    h('input', { id: 'correct-reason', name: 'reason', required: true, maxlength: 500, autocomplete: 'off' }),
    h('button', { type: 'submit' }, 'Save correction'),
  );
  correct.addEventListener('submit', (event) => {
    event.preventDefault();
    const v = formValues(correct);
    const body: PatchCaseBody = { reason: (v.reason ?? '').trim() };
    const onset = v.onset_date || null;
    const test = v.test_date || null;
    if (onset !== c.onset_date) body.onset_date = onset;
    if (test !== c.test_date) body.test_date = test;
    if (v.report_type && v.report_type !== c.report_type)
      body.report_type = v.report_type === 'clinical_diagnosis' ? 'clinical_diagnosis' : 'confirmed_test';
    if (Object.keys(body).length === 1) {
      message.textContent = 'Nothing was changed: change a date or the type first.';
      return;
    }
    run('Saving', 'Corrected: the contacts are traced again with the new dates.', () =>
      context.client.patchCase(c.id, body),
    );
  });

  // Close.
  const close = h(
    'form',
    { class: 'stack', 'aria-labelledby': 'close-heading' },
    h('h3', { id: 'close-heading' }, 'Close the case'),
    h(
      'p',
      { class: 'muted' },
      'When the person has recovered or their isolation is over. Their contacts stay as they are.',
    ),
    h('label', { for: 'close-reason' }, 'Why is it closed?'),
    h('input', {
      id: 'close-reason',
      name: 'reason',
      required: true,
      maxlength: 500,
      autocomplete: 'off',
      placeholder: 'Isolation over',
    }),
    h('button', { type: 'submit', class: 'secondary' }, 'Close case'),
  );
  close.addEventListener('submit', (event) => {
    event.preventDefault();
    const reason = (formValues(close).reason ?? '').trim();
    run('Closing', 'The case is closed.', () => context.client.patchCase(c.id, { status: 'closed', reason }));
  });

  // Revoke.
  const revoke = h(
    'form',
    { class: 'stack', 'aria-labelledby': 'revoke-heading' },
    h('h3', { id: 'revoke-heading' }, 'Revoke the case'),
    h(
      'p',
      { class: 'muted' },
      'The exposures it caused stop counting, and each person whose risk falls is told it no longer counts.',
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Why?'),
      h(
        'div',
        { class: 'checkbox' },
        h('input', { type: 'radio', id: 'revoke-negative', name: 'reason', value: 'negative_test', required: true }),
        h('label', { for: 'revoke-negative' }, 'Tested negative'),
      ),
      h(
        'div',
        { class: 'checkbox' },
        h('input', { type: 'radio', id: 'revoke-error', name: 'reason', value: 'entered_in_error' }),
        h('label', { for: 'revoke-error' }, 'Entered in error'),
      ),
    ),
    h('label', { for: 'revoke-note' }, 'Note (optional, kept in the audit log)'),
    h('input', { id: 'revoke-note', name: 'note', maxlength: 500, autocomplete: 'off' }),
    h('button', { type: 'submit', class: 'danger' }, 'Revoke case'),
  );
  revoke.addEventListener('submit', (event) => {
    event.preventDefault();
    const v = formValues(revoke);
    const note = (v.note ?? '').trim();
    run('Revoking', 'The case is revoked: the people it exposed are being told it no longer counts.', () =>
      context.client.revokeCase(c.id, {
        reason: (v.reason === 'entered_in_error' ? 'entered_in_error' : 'negative_test') satisfies RevokeReason,
        ...(note ? { note } : {}),
      }),
    );
  });

  return h('div', { class: 'grid' }, correct, close, revoke);
}
