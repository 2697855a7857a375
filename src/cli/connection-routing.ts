/**
 * Where `serve --stream-workers M` sends a new connection, from its first request line: real-time streams to the
 * stream processes, everything else to the server processes. Any process serves any request, so this only decides
 * where long-lived connections live; a connection stays with its process for every later request on it.
 */

/** The routes that hold a connection open (Server-Sent Events and the WebSocket). */
export const STREAM_PATHS: ReadonlySet<string> = new Set([
  '/notifications/stream',
  '/notifications/ws',
  '/exposure_risks/stream',
  '/alerts/stream',
]);

/** A first line longer than this is not waited on: the connection goes to a server process, which refuses it. */
export const MAX_REQUEST_LINE_BYTES = 8_192;

export type ConnectionKind = 'stream' | 'api' | 'incomplete';

/** What the bytes received so far on a new connection ask for; `incomplete` until its request line has ended. */
export function connectionKind(head: Uint8Array): ConnectionKind {
  const end = head.indexOf(0x0a); // LF ends the request line (with or without CR)
  if (end === -1) return head.length < MAX_REQUEST_LINE_BYTES ? 'incomplete' : 'api';
  const line = Buffer.from(head.buffer, head.byteOffset, end).toString('latin1').trimEnd();
  const [method, target] = line.split(' ');
  if (method !== 'GET' || target === undefined) return 'api';
  const query = target.indexOf('?');
  return STREAM_PATHS.has(query === -1 ? target : target.slice(0, query)) ? 'stream' : 'api';
}
