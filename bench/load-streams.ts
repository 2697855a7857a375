/**
 * Load test helper process: holds many notification streams (SSE) open on raw sockets, a few hundred bytes each,
 * and reports when notifications arrive. Started by bench/load.bench.ts with a job file; one process stays under
 * the open-file limit (RLIMIT_NOFILE) of its own.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

interface Job {
  readonly host: string;
  readonly port: number;
  readonly localAddress: string;
  readonly firstPhone: number;
  readonly tokens: string[];
  readonly connectsPerSecond: number;
}

interface Held {
  readonly phone: number;
  ok: boolean;
  refused: boolean;
  buffer: string;
}

const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Job;
const counts = { opened: 0, refused: 0, failed: 0, dropped: 0 };
const errorCodes: Record<string, number> = {};
const receipts: [number, number, number, number][] = [];
const sockets = new Set<Socket>();

function open(index: number): void {
  const held: Held = { phone: job.firstPhone + index, ok: false, refused: false, buffer: '' };
  const socket = connect({ host: job.host, port: job.port, localAddress: job.localAddress });
  sockets.add(socket);
  socket.setEncoding('utf8');
  socket.setNoDelay(true);
  socket.once('connect', () => {
    socket.write(
      `GET /notifications/stream HTTP/1.1\r\nHost: ${job.host}:${job.port}\r\nAuthorization: Bearer ${job.tokens[index]}\r\nAccept: text/event-stream\r\n\r\n`,
    );
  });
  socket.on('data', (chunk: string) => {
    if (!held.ok) {
      held.buffer += chunk;
      const end = held.buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      if (!held.buffer.startsWith('HTTP/1.1 200')) {
        counts.refused += 1;
        held.refused = true;
        const status = held.buffer.slice(9, 12);
        errorCodes[`HTTP ${status}`] = (errorCodes[`HTTP ${status}`] ?? 0) + 1;
        socket.destroy();
        return;
      }
      held.ok = true;
      counts.opened += 1;
      chunk = held.buffer.slice(end + 4);
      held.buffer = '';
    }
    if (!chunk.includes('\n\n') && held.buffer === '' && !chunk.includes('event:')) return; // heartbeat framing only
    held.buffer += chunk;
    for (let i = held.buffer.indexOf('\n\n'); i !== -1; i = held.buffer.indexOf('\n\n')) {
      const block = held.buffer.slice(0, i);
      held.buffer = held.buffer.slice(i + 2);
      if (!block.includes('event: notification')) continue;
      const seq = /(?:^|\n)id: (\d+)/.exec(block)?.[1];
      const created = /"created_at":"([^"]+)"/.exec(block)?.[1];
      if (seq !== undefined && created !== undefined)
        receipts.push([held.phone, Number(seq), Date.now(), Date.parse(created)]);
    }
    if (held.buffer.length > 65_536) held.buffer = '';
  });
  socket.on('error', (error: NodeJS.ErrnoException) => {
    const code = error.code ?? error.message;
    errorCodes[code] = (errorCodes[code] ?? 0) + 1;
  });
  socket.on('close', () => {
    sockets.delete(socket);
    if (held.ok) counts.dropped += 1;
    else if (!held.refused) counts.failed += 1;
  });
}

let next = 0;
const perTick = Math.max(1, Math.round(job.connectsPerSecond / 20));
const opener = setInterval(() => {
  for (let i = 0; i < perTick && next < job.tokens.length; i++) open(next++);
  if (next >= job.tokens.length) clearInterval(opener);
}, 50);

const status = () => ({
  ...counts,
  attempted: next,
  held: counts.opened - counts.dropped,
  errors: errorCodes,
  rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
});
const reporter = setInterval(() => process.send?.({ type: 'status', status: status() }), 1000);

process.on('message', (message: { type: string }) => {
  if (message.type === 'collect') process.send?.({ type: 'receipts', status: status(), receipts: receipts.splice(0) });
  if (message.type === 'close') {
    clearInterval(opener);
    clearInterval(reporter);
    for (const socket of sockets) socket.destroy();
    process.send?.({ type: 'closed' }, () => process.exit(0));
  }
});
