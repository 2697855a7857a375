import { badRequest } from '../http/problem.js';
import type { StreamEvent } from './ordered-stream.js';

/** Largest id accepted from a client: ids are safe integers. */
const ID_PATTERN = /^\d{1,15}$/;

/**
 * The position a client gives (SSE `Last-Event-ID` header, WebSocket `last_event_id`): a non-negative integer,
 * or undefined when absent or empty (an EventSource that never got an id sends no header). Anything else is a 400.
 */
export function parseLastEventId(value: unknown, where = 'headers/last-event-id'): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return undefined;
    if (ID_PATTERN.test(text)) return Number(text);
  }
  throw badRequest(`${where} must be the id of an event this stream sent (a non-negative integer)`);
}

const EVENT_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** One SSE message: `id:`, `event:` and one `data:` line per line of the JSON body, then a blank line. */
export function formatSseEvent(event: StreamEvent): string {
  if (!Number.isSafeInteger(event.id)) throw new TypeError(`SSE event id must be a safe integer, got ${event.id}`);
  if (!EVENT_NAME.test(event.event)) throw new TypeError(`invalid SSE event name ${JSON.stringify(event.event)}`);
  const data = JSON.stringify(event.data) ?? 'null';
  const lines = data
    .split(/\r\n|\r|\n/)
    .map((line) => `data: ${line}\n`)
    .join('');
  return `id: ${event.id}\nevent: ${event.event}\n${lines}\n`;
}

/** A comment line: ignored by EventSource, keeps proxies and NATs from closing an idle connection. */
export function formatSseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}
