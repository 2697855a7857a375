/**
 * Verification codes as people see them: the long code travels in a link to the app (what its QR code holds), which
 * the app's scanner and the link itself both open on the code form.
 */

const LINK_MARK = '#redeem/';

/** The link a long code's QR code holds: scanned by the phone's camera, it opens the app with the code filled in. */
export function redeemLink(origin: string, longCode: string): string {
  return `${origin}/app/${LINK_MARK}${encodeURIComponent(longCode)}`;
}

/** What a scanned QR code or a pasted link holds: the code itself (a link is reduced to its code). */
export function codeFromScan(scanned: string): string {
  const text = scanned.trim();
  const mark = text.indexOf(LINK_MARK);
  if (mark === -1) return text;
  const code = text.slice(mark + LINK_MARK.length).split(/[/?#&]/)[0] ?? '';
  try {
    return decodeURIComponent(code);
  } catch {
    return code;
  }
}
