/** The app user's id and bearer token, kept on the phone (the token is shown once, at registration). */
export interface Session {
  readonly userId: string;
  readonly token: string;
}

const KEY = 'epitrace.session';

export function loadSession(): Session | null {
  const raw = localStorage.getItem(KEY);
  if (raw === null) return null;
  try {
    const parsed = JSON.parse(raw) as Partial<Session>;
    return typeof parsed.userId === 'string' && typeof parsed.token === 'string'
      ? { userId: parsed.userId, token: parsed.token }
      : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  localStorage.setItem(KEY, JSON.stringify(session));
}

/** Forgets everything the app keeps in local storage (after an erasure). */
export function clearLocalStorage(): void {
  for (const key of Object.keys(localStorage)) if (key.startsWith('epitrace.')) localStorage.removeItem(key);
}
