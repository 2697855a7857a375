import type { VerificationCode } from '../sdk/index.js';
import { formValues, h, replace } from '../shared/dom.js';
import { formatDate, formatDateTime, formatTime, localToday } from '../shared/format.js';
import { qrCodeSvg } from '../shared/qr.js';
import { redeemLink } from '../shared/verification-codes.js';
import type { DashboardContext } from './context.js';

/**
 * "Issue a verification code" (health professionals and laboratories): after a positive test or a diagnosis, a
 * one-time code the person enters in their app, which confirms their case with these facts. The short code is shown
 * large, to read out on the phone; the long one as a QR code (a link to the app) to print or send.
 */
export function issueCodeCard(context: DashboardContext): HTMLElement {
  const result = h('div', { id: 'code-result', 'aria-live': 'polite' });
  const message = h('p', { role: 'status', id: 'issue-message' });
  const form = h(
    'form',
    { class: 'stack', 'aria-labelledby': 'issue-heading' },
    h('label', { for: 'issue-type' }, 'What confirmed it'),
    h(
      'select',
      { id: 'issue-type', name: 'report_type' },
      h('option', { value: 'confirmed_test' }, 'Positive test'),
      h('option', { value: 'clinical_diagnosis' }, 'Clinical diagnosis'),
    ),
    h('label', { for: 'issue-test-date' }, 'Test date (or the day it was diagnosed)'),
    h('input', {
      id: 'issue-test-date',
      name: 'test_date',
      type: 'date',
      required: true,
      max: localToday(),
      value: localToday(),
    }),
    h('label', { for: 'issue-onset' }, 'Symptoms since (if known)'),
    h('input', { id: 'issue-onset', name: 'onset_date', type: 'date', max: localToday() }),
    h('button', { type: 'submit' }, 'Issue code'),
    message,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const v = formValues(form);
    message.textContent = 'Issuing…';
    context.client
      .issueVerificationCode({
        report_type: v.report_type === 'clinical_diagnosis' ? 'clinical_diagnosis' : 'confirmed_test',
        test_date: v.test_date || localToday(),
        ...(v.onset_date ? { onset_date: v.onset_date } : {}),
      })
      .then(async (code) => {
        replace(result, await codeSlip(code));
        message.textContent = `Code issued. It works once: read it out, or give the QR code.`;
        form.reset();
      })
      .catch((e: unknown) => (message.textContent = context.failed(e)));
  });
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'issue-heading' },
    h('h2', { id: 'issue-heading' }, 'Issue a verification code'),
    h(
      'p',
      {},
      'After a positive test or a diagnosis, give the person a code. They enter it in their app under Symptoms, which confirms their case and tells the people they were near, without their name.',
    ),
    form,
    result,
  );
}

async function codeSlip(code: VerificationCode): Promise<HTMLElement> {
  const qr = await qrCodeSvg(redeemLink(location.origin, code.long_code), 'QR code that opens the app with the code');
  const minutesLeft = Math.max(0, Math.round((Date.parse(code.short_expires_at) - Date.now()) / 60_000));
  const slip: HTMLElement = h(
    'article',
    { class: 'poster code-slip', 'aria-labelledby': 'slip-heading', 'data-code-id': code.id },
    h('h3', { id: 'slip-heading' }, 'Verification code'),
    h(
      'p',
      { class: 'muted' },
      `${code.report_type === 'clinical_diagnosis' ? 'Clinical diagnosis' : 'Positive test'} on ${formatDate(code.test_date)}${code.onset_date ? ` · symptoms since ${formatDate(code.onset_date)}` : ''}`,
    ),
    h('p', {}, 'Read this code out to the person:'),
    h('p', { class: 'verification-code', id: 'short-code' }, code.short_code),
    h(
      'p',
      { id: 'short-expiry' },
      `Valid until ${formatTime(code.short_expires_at)} (about ${minutesLeft} minutes), once.`,
    ),
    h('p', {}, 'Or let them scan this QR code with their phone:'),
    qr,
    h('p', { id: 'long-expiry' }, `The QR code is valid until ${formatDateTime(code.long_expires_at)}, once.`),
    h(
      'p',
      { class: 'muted' },
      'In the Epitrace app: Symptoms, then "I have a code from my test". Either code works; once one is used, both are.',
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'no-print',
        onclick: () => {
          // Only this slip is printed, whatever else the page shows.
          document.body.classList.add('print-one');
          slip.classList.add('print-this');
          window.print();
          slip.classList.remove('print-this');
          document.body.classList.remove('print-one');
        },
      },
      'Print',
    ),
  );
  return slip;
}
