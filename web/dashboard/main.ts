import { EpitraceApiError, EpitraceClient } from '../sdk/index.js';
import { h, replace, wireSkipLink } from '../shared/dom.js';
import { describeError } from '../shared/format.js';
import { adminView } from './admin.js';
import { authorityView } from './authority.js';
import { casePage } from './case-page.js';
import type { DashboardContext, StaffSession, View } from './context.js';
import { labView } from './lab.js';
import { loginForm } from './login.js';
import { professionalView } from './professional.js';

const KEY = 'epitrace.staff_session';
const ROLE_NAMES: Record<StaffSession['role'], string> = {
  health_professional: 'Health professional',
  authority: 'Public-health authority',
  admin: 'Administrator',
  lab: 'Laboratory',
};

const anonymous = new EpitraceClient({ baseUrl: location.origin });
const main = document.getElementById('main')!;
const who = document.getElementById('who')!;
wireSkipLink(main);

function loadSession(): StaffSession | null {
  const raw = sessionStorage.getItem(KEY);
  if (raw === null) return null;
  const session = JSON.parse(raw) as StaffSession;
  return session.expiresAt > Date.now() ? session : null;
}

function signOut(message?: string): void {
  sessionStorage.removeItem(KEY);
  window.removeEventListener('hashchange', route);
  release?.();
  release = undefined;
  replace(who);
  document.title = 'Sign in · Epitrace dashboard';
  replace(
    main,
    loginForm(anonymous, (session) => {
      sessionStorage.setItem(KEY, JSON.stringify(session));
      start(session);
    }),
  );
  if (message) main.prepend(h('p', { class: 'error', role: 'alert' }, message));
}

// biome-ignore lint/suspicious/noConfusingVoidType: a view returns its cleanup function, or nothing
let release: (() => void) | void;
let context: DashboardContext | null = null;

function viewFor(session: StaffSession, parts: string[]): { view: View; title: string } {
  if (session.role === 'health_professional')
    return parts[0] === 'case' ? { view: casePage, title: 'Case' } : { view: professionalView, title: 'Cases' };
  if (session.role === 'authority') return { view: authorityView, title: 'Epidemic overview' };
  if (session.role === 'lab') return { view: labView, title: 'Verification codes' };
  return { view: adminView, title: 'Administration' };
}

function route(): void {
  if (context === null) return;
  const parts = location.hash.slice(1).split('/');
  const { view, title } = viewFor(context.session, parts);
  release?.();
  document.title = `${title} · Epitrace dashboard`;
  release = view(main, context, parts);
  main.focus();
}

function start(session: StaffSession): void {
  const client = anonymous.withToken(session.token);
  context = {
    session,
    client,
    failed: (error) => {
      if (error instanceof EpitraceApiError && error.status === 401) {
        setTimeout(() => signOut('Your session has ended. Please sign in again.'));
      }
      return describeError(error);
    },
  };
  const out = h('button', { type: 'button', class: 'link' }, 'Sign out');
  out.addEventListener('click', () => signOut());
  replace(who, `${ROLE_NAMES[session.role]} · ${session.username} · `, out);
  window.addEventListener('hashchange', route);
  route();
}

const session = loadSession();
if (session === null) signOut();
else start(session);
