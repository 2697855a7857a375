/** A connection string as it may be shown or logged: its password, if any, replaced by `***`. */
export function hidePassword(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not a URL this can take apart: show only its scheme, never what might be a credential.
    const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0];
    return scheme === undefined ? '(a connection string)' : `${scheme}//…`;
  }
  if (parsed.password !== '') parsed.password = '***';
  // libpq also takes the password as a parameter.
  if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
  return parsed.toString();
}
