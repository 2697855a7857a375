import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleScripts, type CompiledScript } from './bundle.js';
import { registerLanding } from './landing.js';

export interface WebRoutesOptions {
  /** The web/ folder: pages, static assets and the TypeScript the scripts are compiled from. */
  readonly webDir: string;
  readonly minify: boolean;
}

/** URL of each compiled script → its entry point under web/. */
const SCRIPTS: Record<string, string> = {
  '/app/app.js': 'app/main.ts',
  '/app/sw.js': 'app/service-worker.ts',
  '/dashboard/dashboard.js': 'dashboard/main.ts',
};

const PAGES: Record<string, string> = {
  '/app/': 'app/index.html',
  '/dashboard/': 'dashboard/index.html',
};

const hidden = { schema: { hide: true } };

/**
 * The residents' web app at /app/ and the staff dashboard at /dashboard/: HTML pages, scripts compiled from web/ on
 * first request (then kept in memory), and static assets under /assets/. Not part of the API (hidden from OpenAPI).
 */
export async function webRoutes(app: FastifyInstance, options: WebRoutesOptions): Promise<void> {
  let compiled: Promise<Map<string, CompiledScript>> | undefined;
  const scripts = () => {
    compiled ??= bundleScripts(
      Object.fromEntries(Object.entries(SCRIPTS).map(([url, entry]) => [outputName(url), join(options.webDir, entry)])),
      { minify: options.minify },
    ).catch((error: unknown) => {
      compiled = undefined; // a later request tries again
      throw error;
    });
    return compiled;
  };

  await app.register(fastifyStatic, {
    root: join(options.webDir, 'public'),
    prefix: '/assets/',
    decorateReply: false,
    cacheControl: true,
    maxAge: 0,
  });

  registerLanding(app);
  app.get('/app', hidden, async (_request, reply) => reply.redirect('/app/', 301));
  app.get('/dashboard', hidden, async (_request, reply) => reply.redirect('/dashboard/', 301));
  for (const [url, file] of Object.entries(PAGES)) {
    const path = join(options.webDir, file);
    app.get(url, hidden, async (_request, reply) =>
      sendText(reply, await readFile(path, 'utf8'), 'text/html; charset=utf-8'),
    );
  }
  app.get('/app/manifest.webmanifest', hidden, async (_request, reply) =>
    sendText(
      reply,
      await readFile(join(options.webDir, 'app/manifest.webmanifest'), 'utf8'),
      'application/manifest+json; charset=utf-8',
    ),
  );
  for (const url of Object.keys(SCRIPTS)) {
    app.get(url, hidden, async (request, reply) => {
      const script = (await scripts()).get(`${outputName(url)}.js`);
      if (script === undefined) throw new Error(`no compiled script for ${url}`);
      reply.header('etag', script.etag).header('cache-control', 'no-cache');
      if (request.headers['if-none-match'] === script.etag) return reply.code(304).send();
      return sendText(reply, script.code, 'text/javascript; charset=utf-8');
    });
  }
}

/** esbuild's output name of a script URL: '/app/app.js' → 'app-app'. */
function outputName(url: string): string {
  return url.slice(1).replace(/\.js$/, '').replaceAll('/', '-');
}

function sendText(reply: FastifyReply, body: string, contentType: string): FastifyReply {
  return reply
    .header('content-type', contentType)
    .header('cache-control', reply.getHeader('cache-control') ?? 'no-cache')
    .send(body);
}
