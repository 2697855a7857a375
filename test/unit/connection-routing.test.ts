import { afterAll, describe, expect, it } from 'vitest';
import { connectionKind, MAX_REQUEST_LINE_BYTES, STREAM_PATHS } from '../../src/cli/connection-routing.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

const kind = (text: string) => connectionKind(Buffer.from(text, 'latin1'));

describe('which process a new connection goes to (serve --stream-workers)', () => {
  it('sends the real-time streams to the stream processes, whatever their query string', () => {
    expect(kind('GET /notifications/stream HTTP/1.1\r\nhost: x\r\n\r\n')).toBe('stream');
    expect(kind('GET /notifications/ws?last_event_id=4 HTTP/1.1\r\n')).toBe('stream');
    expect(kind('GET /exposure_risks/stream HTTP/1.1\n')).toBe('stream');
    expect(kind('GET /alerts/stream? HTTP/1.1\r\n')).toBe('stream');
  });

  it('sends everything else to the server processes: other paths, other methods, lines it cannot read', () => {
    expect(kind('GET /notifications HTTP/1.1\r\n')).toBe('api');
    expect(kind('GET /notifications/stream/ HTTP/1.1\r\n')).toBe('api');
    expect(kind('POST /notifications/stream HTTP/1.1\r\n')).toBe('api');
    expect(kind('POST /interactions HTTP/1.1\r\ncontent-length: 2\r\n\r\n{}')).toBe('api');
    expect(kind('GET http://example.org/notifications/stream HTTP/1.1\r\n')).toBe('api');
    expect(kind('\r\n')).toBe('api');
    expect(kind('hello\n')).toBe('api');
  });

  it('waits for the end of the request line, but not past its limit', () => {
    expect(kind('')).toBe('incomplete');
    expect(kind('GET /notifications/str')).toBe('incomplete');
    expect(kind(`GET /${'a'.repeat(MAX_REQUEST_LINE_BYTES - 6)}`)).toBe('incomplete');
    expect(kind(`GET /${'a'.repeat(MAX_REQUEST_LINE_BYTES)}`)).toBe('api');
  });

  describe('the stream paths', () => {
    let t: TestApp | undefined;
    afterAll(async () => t?.close());

    it('are exactly the routes the OpenAPI document describes as event streams or WebSockets', async () => {
      t = await buildTestApp('sqlite');
      const doc = (await t.app.inject('/openapi.json')).json<{
        paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
      }>();
      const streaming = Object.entries(doc.paths)
        .filter(([, methods]) => {
          const responses = methods.get?.responses ?? {};
          return responses['101'] !== undefined || responses['200']?.content?.['text/event-stream'] !== undefined;
        })
        .map(([path]) => path);
      expect(new Set(streaming)).toEqual(STREAM_PATHS);
    });
  });
});
