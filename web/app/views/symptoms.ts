import { formValues, h, replace } from '../../shared/dom.js';
import { describeError, localToday } from '../../shared/format.js';
import type { Screen } from '../context.js';
import { myReportsCard, testCodeCard } from './test-code.js';

const COMMON_SYMPTOMS = [
  'fever',
  'cough',
  'loss of smell or taste',
  'sore throat',
  'shortness of breath',
  'tiredness',
  'headache',
];

/**
 * Reporting a symptom and when it began: people who were near the person are then told, without their name. Below:
 * entering the code from a positive test (opened here by a code's link, `#redeem/<code>`), and the person's reports,
 * a self-report withdrawable by its author.
 */
export const symptomsScreen: Screen = (main, context, params = []) => {
  const reports = myReportsCard(context);
  const code = testCodeCard(context, { code: params[0], onConfirmed: () => void reports.reload() });
  const result = h('p', { role: 'status', id: 'symptom-result' });
  const form = h(
    'form',
    { class: 'stack card', 'aria-labelledby': 'symptoms-heading' },
    h('h2', { id: 'symptoms-heading' }, 'Report symptoms'),
    h(
      'p',
      {},
      'If you feel ill, tell us what you feel and since when. People who were near you while you could be contagious will be told to take care, never who you are.',
    ),
    h('label', { for: 'symptom' }, 'Main symptom'),
    h(
      'select',
      { id: 'symptom', name: 'symptom' },
      ...COMMON_SYMPTOMS.map((s) => h('option', { value: s }, s)),
      h('option', { value: 'other' }, 'something else'),
    ),
    h('label', { for: 'symptom-other' }, 'If something else, what?'),
    h('input', { id: 'symptom-other', name: 'other', maxlength: 100 }),
    h('label', { for: 'symptom-date' }, 'Since when?'),
    h('input', {
      id: 'symptom-date',
      name: 'date',
      type: 'date',
      required: true,
      max: localToday(),
      value: localToday(),
    }),
    h('button', { type: 'submit' }, 'Report'),
    result,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = formValues(form);
    const symptom = values.symptom === 'other' ? (values.other ?? '').trim() : (values.symptom ?? '');
    if (symptom === '') {
      result.textContent = 'Please say what the symptom is.';
      return;
    }
    result.textContent = 'Sending…';
    context.client
      .reportSymptom({ symptom, date: values.date ?? localToday() })
      .then(() => {
        result.textContent =
          'Thank you. Your report was received. Stay at home if you can, and get tested. People who were near you will be told, without your name.';
        context.announce(result.textContent);
        void reports.reload();
      })
      .catch((e: unknown) => (result.textContent = describeError(e)));
  });
  replace(main, form, code.element, reports.element);
  void reports.reload();
  if (params[0] !== undefined) {
    code.element.scrollIntoView({ block: 'start' });
    code.element.querySelector<HTMLButtonElement>('button[type="submit"]')?.focus();
  }
  return code.stop;
};
