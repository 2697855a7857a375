import { EpitraceClient } from '../sdk/index.js';
import { replace, wireSkipLink } from '../shared/dom.js';
import { codeFromScan } from '../shared/verification-codes.js';
import { checkinObservation, loadActiveCheckin, saveActiveCheckin } from './checkins.js';
import type { AppContext, Screen } from './context.js';
import { NotificationCenter } from './notifications.js';
import { Outbox } from './outbox.js';
import { MoreMenu } from './more-menu.js';
import { LocationRecorder } from './recorder.js';
import { clearLocalStorage, loadSession, saveSession, type Session } from './session.js';
import { alertsScreen } from './views/alerts.js';
import { checkinScreen } from './views/checkin.js';
import { homeScreen } from './views/home.js';
import { myDataScreen } from './views/my-data.js';
import { registrationScreen } from './views/register.js';
import { symptomsScreen } from './views/symptoms.js';
import { venueScreen } from './views/venue.js';

const SCREENS: Record<string, { title: string; screen: Screen }> = {
  home: { title: 'Home', screen: homeScreen },
  checkin: { title: 'Check in', screen: checkinScreen },
  symptoms: { title: 'Report symptoms', screen: symptomsScreen },
  alerts: { title: 'Exposure notifications', screen: alertsScreen },
  data: { title: 'My data', screen: myDataScreen },
  venue: { title: 'Register a venue', screen: venueScreen },
};

const anonymous = new EpitraceClient({ baseUrl: location.origin });
const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const live = document.getElementById('live')!;
const moreMenu = new MoreMenu(
  document.getElementById('more-button') as HTMLButtonElement,
  document.getElementById('more-menu')!,
);
wireSkipLink(main);

function announce(message: string): void {
  live.textContent = '';
  setTimeout(() => (live.textContent = message), 50);
}

function showRegistration(): void {
  nav.hidden = true;
  document.title = 'Join Epitrace';
  replace(
    main,
    registrationScreen(anonymous, (session) => {
      saveSession(session);
      // Opened by a verification code's link: the code is waiting under Symptoms.
      if (!location.hash.startsWith('#redeem/')) location.hash = '#home';
      start(session);
    }),
  );
}

function start(session: Session): void {
  const client = anonymous.withToken(session.token);
  const outbox = new Outbox(() => client);
  const recorder = new LocationRecorder((observation) => outbox.add(observation));
  const notifications = new NotificationCenter(client);
  // biome-ignore lint/suspicious/noConfusingVoidType: a screen returns its cleanup function, or nothing
  let release: (() => void) | void;
  const checkinTimer = setInterval(() => finishExpiredCheckin(outbox), 30_000);

  const context: AppContext = {
    session,
    client,
    outbox,
    recorder,
    notifications,
    announce,
    forget: async () => {
      window.removeEventListener('hashchange', route);
      clearInterval(checkinTimer);
      release?.();
      await recorder.stop();
      outbox.stop();
      await outbox.clear();
      notifications.stop();
      clearLocalStorage();
      history.replaceState(null, '', '/app/');
      showRegistration();
      announce('Your data was erased.');
    },
  };

  const badge = document.getElementById('alerts-badge')!;
  notifications.onChange(() => {
    const unread = notifications.unacknowledged;
    badge.textContent = unread > 99 ? '99+' : unread > 0 ? String(unread) : '';
    badge.hidden = unread === 0;
    badge.setAttribute('aria-label', `${unread} unread`);
  });

  function route(): void {
    let [name = 'home', ...params] = location.hash.slice(1).split('/');
    if (name === 'redeem') {
      // A verification code's link: the symptoms screen with the code filled in; the code leaves the address bar.
      name = 'symptoms';
      params = [codeFromScan(location.hash)];
      history.replaceState(null, '', '#symptoms');
    }
    if (name === '') name = 'home';
    const entry = SCREENS[name] ?? SCREENS.home!;
    release?.();
    document.title = `${entry.title} · Epitrace`;
    for (const link of nav.querySelectorAll('a')) {
      if (link.getAttribute('href') === `#${name}`) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    moreMenu.close();
    moreMenu.showCurrent(SCREENS[name] === undefined ? 'home' : name);
    release = entry.screen(main, context, params);
  }

  nav.hidden = false;
  window.addEventListener('hashchange', route);
  outbox.start();
  void notifications.start();
  finishExpiredCheckin(outbox);
  route();
}

/** A check-in whose planned stay is over is recorded as it was planned. */
function finishExpiredCheckin(outbox: Outbox): void {
  const active = loadActiveCheckin();
  if (active === null || active.plannedEndAt > Date.now()) return;
  saveActiveCheckin(null);
  void outbox.add(checkinObservation(active.venueId, active.startedAt, active.plannedEndAt));
}

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/app/sw.js', { scope: '/app/' }).catch(() => undefined);
}
const session = loadSession();
if (session === null) showRegistration();
else start(session);
