import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';

/** Reads from the socket until `done` holds for what arrived so far. */
function readUntil(socket: Socket, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (done(text)) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => resolve(text));
  });
}

const responses = (text: string) => text.split(/(?=HTTP\/1\.1 \d{3} )/).filter((part) => part.startsWith('HTTP/'));

describe('requests that arrive while the server shuts down', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'epitrace-closing-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('are refused with a problem+json 503 and Retry-After, while the request in flight finishes', async () => {
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      ENCRYPTION_KEYS: `c1:${randomBytes(32).toString('base64')}`,
      TOKEN_SECRET: randomBytes(32).toString('hex'),
    });
    const app = await buildApp(config, { logger: false });
    // A request that is in flight until the test lets it finish.
    let finish = () => {};
    const finished = new Promise<void>((resolve) => (finish = resolve));
    let started = () => {};
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    app.get('/test-slow', async () => {
      started();
      await finished;
      return { done: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };

    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const answers = readUntil(socket, (text) => responses(text).length === 2 && /\}\s*$/.test(text));
    socket.write('GET /test-slow HTTP/1.1\r\nhost: localhost\r\nconnection: keep-alive\r\n\r\n');
    await inFlight;

    const closed = app.close();
    // The server stops listening once shutdown has begun; the kept-alive connection is busy, so it stays open.
    while (app.server.listening) await new Promise((resolve) => setImmediate(resolve));
    // A new request on that connection (pipelined behind the one in flight).
    socket.write('GET /healthz HTTP/1.1\r\nhost: localhost\r\nconnection: keep-alive\r\n\r\n');
    // The request in flight finishes; the answers come back in order on the connection.
    finish();
    const [first, second] = responses(await answers);
    socket.destroy();
    await closed;

    expect(first).toMatch(/^HTTP\/1\.1 200 /);
    expect(first).toContain('{"done":true}');
    expect(second).toMatch(/^HTTP\/1\.1 503 /);
    expect(second).toMatch(/\r\ncontent-type: application\/problem\+json; charset=utf-8\r\n/i);
    expect(second).toMatch(/\r\nretry-after: 5\r\n/i);
    expect(second).toMatch(/\r\nconnection: close\r\n/i);
    const body = JSON.parse(second!.slice(second!.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    expect(body).toMatchObject({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'the server is shutting down; retry shortly',
      instance: '/healthz',
    });
  });
});
