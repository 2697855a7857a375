import type { Case, RevokeReason } from '../../sdk/index.js';
import { EpitraceApiError } from '../../sdk/index.js';
import { formValues, h, replace } from '../../shared/dom.js';
import { describeError, formatDate, localToday } from '../../shared/format.js';
import { codeFromScan } from '../../shared/verification-codes.js';
import type { AppContext } from '../context.js';
import { CameraScanner, decodeQrPhoto } from '../qr-scan.js';
import { redeemFailure } from '../redeem.js';

/**
 * "I have a code from my test": the code a health professional or a laboratory gave, typed or scanned from its QR
 * code. Redeemed, it confirms the person's case, and the people they were near are told.
 */
export function testCodeCard(
  context: AppContext,
  options: { code?: string; onConfirmed: (c: Case) => void },
): { element: HTMLElement; stop: () => void } {
  let scanner: CameraScanner | null = null;
  const result = h('p', { role: 'status', id: 'code-result' });
  const codeInput = h('input', {
    id: 'test-code',
    name: 'code',
    required: true,
    autocomplete: 'off',
    autocapitalize: 'characters',
    spellcheck: false,
    maxlength: 64,
    placeholder: '7KQ2-M9XD-V',
    'aria-describedby': 'test-code-hint',
    value: options.code ?? '',
  });
  const video = h('video', {
    class: 'scanner',
    muted: true,
    playsinline: true,
    hidden: true,
    'aria-label': 'Camera view',
  });

  const form = h(
    'form',
    { class: 'stack', 'aria-label': 'Enter your test code' },
    h('label', { for: 'test-code' }, 'Code from your test'),
    h('p', { id: 'test-code-hint', class: 'muted' }, 'Like 7KQ2-M9XD-V. Small letters and spaces do not matter.'),
    codeInput,
    h('label', { for: 'test-code-onset' }, 'When did your symptoms start? (leave empty if you have none)'),
    h('input', { id: 'test-code-onset', name: 'onset_date', type: 'date', max: localToday() }),
    h('button', { type: 'submit' }, 'Confirm my test result'),
    result,
  );
  const redeem = (code: string) => {
    const onset = formValues(form).onset_date;
    result.textContent = 'Checking the code…';
    context.client
      .redeemCode({ code, ...(onset ? { onset_date: onset } : {}) })
      .then(({ case: confirmed }) => {
        result.textContent = `Thank you: your ${confirmed.report_type === 'clinical_diagnosis' ? 'diagnosis' : 'positive test'} is confirmed. People who were near you while you could be contagious are being told, never who you are. Please stay at home and follow your health service's advice.`;
        codeInput.value = '';
        context.announce(result.textContent);
        options.onConfirmed(confirmed);
      })
      .catch((e: unknown) => {
        result.textContent = redeemFailure(e);
        context.announce(result.textContent);
      });
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const code = codeInput.value.trim();
    if (code === '') {
      result.textContent = 'Please type the code you were given.';
      return;
    }
    redeem(code);
  });
  // A scanned code fills the box, and is redeemed at once.
  const scanned = (text: string) => {
    codeInput.value = codeFromScan(text);
    redeem(codeInput.value);
  };

  const scanButton = h(
    'button',
    { type: 'button', class: 'secondary', hidden: !CameraScanner.available() },
    'Scan its QR code with the camera',
  );
  scanButton.addEventListener('click', () => {
    scanner?.stop();
    const current = new CameraScanner(video);
    scanner = current;
    video.hidden = false;
    result.textContent = 'Point the camera at the QR code you were given.';
    current
      .scan()
      .then((code) => {
        if (code !== null) scanned(code);
      })
      .catch(
        (e: unknown) =>
          (result.textContent = `The camera could not be used: ${describeError(e)}. Scan from a photo or type the code instead.`),
      )
      .finally(() => (video.hidden = true));
  });
  const photo = h('input', { id: 'test-code-photo', type: 'file', accept: 'image/*', capture: 'environment' });
  photo.addEventListener('change', () => {
    const file = photo.files?.[0];
    if (!file) return;
    decodeQrPhoto(file)
      .then((code) => {
        if (code === null)
          result.textContent = 'No QR code was found in that picture. Try again closer, or type the code.';
        else scanned(code);
      })
      .catch((e: unknown) => (result.textContent = describeError(e)))
      .finally(() => (photo.value = ''));
  });

  const element = h(
    'section',
    { class: 'card stack', 'aria-labelledby': 'test-code-heading', id: 'test-code-card' },
    h('h2', { id: 'test-code-heading' }, 'I have a code from my test'),
    h(
      'p',
      {},
      'If you tested positive, the doctor, nurse or laboratory can give you a code. Enter it here to confirm your result, so that the people you were near are told.',
    ),
    scanButton,
    video,
    h('label', { for: 'test-code-photo' }, 'Scan its QR code from a photo'),
    photo,
    form,
  );
  return { element, stop: () => scanner?.stop() };
}

const WITHDRAWN_BECAUSE: Record<RevokeReason, string> = {
  negative_test: 'you tested negative',
  entered_in_error: 'it was a mistake',
};

/** The person's reports, in plain words; a self-report not confirmed by a test can be withdrawn by its author. */
export function myReportsCard(context: AppContext): { element: HTMLElement; reload: () => Promise<void> } {
  const list = h('ul', { class: 'plain', id: 'my-reports' });
  const message = h('p', { role: 'status', id: 'my-reports-message' });
  const element = h(
    'section',
    { class: 'card', 'aria-labelledby': 'my-reports-heading', hidden: true },
    h('h2', { id: 'my-reports-heading' }, 'Your reports'),
    list,
    message,
  );

  const reload = async () => {
    try {
      const page = await context.client.listCases({ limit: 20 });
      element.hidden = page.cases.length === 0;
      replace(list, ...page.cases.map(item));
    } catch (e) {
      // Not there (yet) or not allowed: nothing to show. Anything else is said.
      if (e instanceof EpitraceApiError && (e.status === 403 || e.status === 404)) return;
      element.hidden = false;
      message.textContent = describeError(e);
    }
  };

  const item = (c: Case): HTMLElement => {
    const since = c.onset_date ? ` Symptoms since ${formatDate(c.onset_date)}.` : '';
    const reported = formatDate(c.created_at.slice(0, 10));
    const text =
      c.status === 'self_reported'
        ? `You reported symptoms on ${reported}. A test has not confirmed it.${since}`
        : c.status === 'held'
          ? `You reported symptoms on ${reported}. The people you were near will be told once a test confirms it.${since}`
          : c.status === 'confirmed'
            ? `Your ${c.report_type === 'clinical_diagnosis' ? 'diagnosis' : 'positive test'} is confirmed${c.confirmed_at ? ` (${formatDate(c.confirmed_at.slice(0, 10))})` : ''}.${since}`
            : c.status === 'closed'
              ? `Your case is closed${c.closed_at ? ` (${formatDate(c.closed_at.slice(0, 10))})` : ''}.`
              : `You withdrew this report${c.revoked_reason ? ` because ${WITHDRAWN_BECAUSE[c.revoked_reason]}` : ''}. It no longer counts.`;
    const actions = h('div', {});
    const li = h('li', { 'data-case-id': c.id, 'data-status': c.status }, h('p', {}, text), actions);
    if (c.status !== 'self_reported' && c.status !== 'held') return li;

    const showButton = () => {
      const withdraw = h('button', { type: 'button', class: 'secondary' }, 'Withdraw this report');
      withdraw.addEventListener('click', showForm);
      replace(actions, withdraw);
    };
    const showForm = () => {
      const name = `withdraw-${c.id}`;
      const option = (value: RevokeReason, label: string) =>
        h(
          'div',
          { class: 'checkbox' },
          h('input', { type: 'radio', id: `${name}-${value}`, name: 'reason', value, required: true }),
          h('label', { for: `${name}-${value}` }, label),
        );
      const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
      cancel.addEventListener('click', showButton);
      const form = h(
        'form',
        { class: 'stack', 'aria-label': 'Withdraw your report' },
        h(
          'fieldset',
          {},
          h('legend', {}, 'Why do you withdraw it?'),
          option('negative_test', 'I tested negative'),
          option('entered_in_error', 'I reported by mistake'),
        ),
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'danger' }, 'Withdraw my report'), cancel),
      );
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        const reason: RevokeReason =
          formValues(form).reason === 'entered_in_error' ? 'entered_in_error' : 'negative_test';
        message.textContent = 'Withdrawing…';
        context.client
          .revokeCase(c.id, { reason })
          .then(() => {
            message.textContent =
              'Your report is withdrawn. People who were told about it will be told it no longer counts.';
            context.announce(message.textContent);
            return reload();
          })
          .catch((e: unknown) => (message.textContent = describeError(e)));
      });
      replace(actions, form);
      form.querySelector('input')?.focus();
    };
    showButton();
    return li;
  };
  return { element, reload };
}
