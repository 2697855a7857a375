import { EpitraceApiError } from '../sdk/index.js';
import { describeError } from '../shared/format.js';

/** What went wrong redeeming a code from a test, in plain words (the server's detail is for developers). */
export function redeemFailure(error: unknown): string {
  if (!(error instanceof EpitraceApiError)) return describeError(error);
  const detail = error.problem.detail ?? '';
  switch (error.status) {
    case 400:
      if (/check character/i.test(detail))
        return "The last character doesn't match — check the code for a typing mistake.";
      if (/onset_date/.test(detail))
        return 'Check the date your symptoms started: it cannot be in the future, or too long ago.';
      if (/not a verification code/i.test(detail))
        return 'That is not a code from a test. A code looks like 7KQ2-M9XD-V: 4 characters, 4 more, then 1.';
      return 'This code was not found. Check it for a typing mistake, or ask the person who gave it to you.';
    case 409:
      return 'This code has already been used. Each code works once. If you did not use it, ask the person who gave it to you for a new one.';
    case 410:
      return 'This code has expired. Ask the person who gave it to you for a new one.';
    case 429:
      return `Too many wrong codes were tried. Please try again later${waitFor(error.retryAfter)}.`;
    default:
      return describeError(error);
  }
}

function waitFor(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  if (seconds < 90) return ', in about a minute';
  const minutes = Math.round(seconds / 60);
  return `, in about ${minutes} minutes`;
}
