import { isUnauthorized } from '../sdk/errors.js';
import { EpitraceClient } from '../sdk/index.js';
import { h, replace, wireSkipLink } from '../shared/dom.js';
import { describeError } from '../shared/format.js';
import { adminView } from './admin.js';
import { authorityView } from './authority.js';
import { casePage } from './case-page.js';
import type { DashboardContext, StaffSession, View } from './context.js';
import { labView } from './lab.js';
import { loginForm, signInAgain } from './login.js';
import { professionalView } from './professional.js';
import { SessionKeeper } from './session-keeper.js';

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

/** The session this tab signed in with (kept over a reload), while its refresh token can still renew it. */
function loadSession(): StaffSession | null {
  const raw = sessionStorage.getItem(KEY);
  if (raw === null) return null;
  try {
    const session = JSON.parse(raw) as Partial<StaffSession>;
    if (typeof session.refreshToken !== 'string' || (session.refreshExpiresAt ?? 0) <= Date.now()) return null;
    return session as StaffSession;
  } catch {
    return null;
  }
}

/** Keeps the signed-in session fresh; undefined while signed out. */
let keeper: SessionKeeper | undefined;

function signOut(message?: string): void {
  keeper?.stop();
  keeper = undefined;
  context = null;
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
  keeper?.stop();
  const current = new SessionKeeper(session, {
    client: anonymous,
    save: (renewed) => sessionStorage.setItem(KEY, JSON.stringify(renewed)),
    signInAgain: (ended, reason) => signInAgain(anonymous, ended, reason),
  });
  keeper = current;
  // Requests carry the session's current token; a 401 renews the session (or asks to sign in again) and retries.
  const client = new EpitraceClient({ baseUrl: location.origin, session: current });
  context = {
    get session() {
      return current.current;
    },
    client,
    failed: (error) => {
      // Only when the session could not be renewed (the person chose to sign out instead of signing in again).
      if (isUnauthorized(error)) setTimeout(() => signOut('Your session has ended. Please sign in again.'));
      return describeError(error);
    },
  };
  // Tall enough to tap on a phone.
  const out = h('button', { type: 'button', class: 'link', style: 'min-height: 24px' }, 'Sign out');
  out.addEventListener('click', () => {
    // Ends the session on the server too, so its refresh token is of no use to anyone.
    anonymous.signOutStaff(current.current.refreshToken).catch(() => undefined);
    signOut();
  });
  replace(who, `${ROLE_NAMES[session.role]} · ${session.username} · `, out);
  window.addEventListener('hashchange', route);
  route();
}

// Use of the dashboard keeps the session alive (an unattended one lapses after the server's idle limit).
for (const type of ['keydown', 'pointerdown', 'input'] as const) {
  document.addEventListener(type, () => keeper?.noteActivity(), { capture: true, passive: true });
}

const session = loadSession();
if (session === null) signOut();
else start(session);
