import { build } from 'esbuild';
import { createHash } from 'node:crypto';

/** One compiled browser script: its JavaScript and the ETag it is served with. */
export interface CompiledScript {
  readonly code: string;
  readonly etag: string;
}

/**
 * Compiles the browser entry points (TypeScript under web/) into one ES module each, in memory. Browsers cannot run
 * TypeScript, and compiling when the server starts needs no build step before `npm start`.
 */
export async function bundleScripts(
  entryPoints: Record<string, string>,
  options: { minify: boolean },
): Promise<Map<string, CompiledScript>> {
  const result = await build({
    entryPoints,
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: ['chrome111', 'firefox115', 'safari16'],
    minify: options.minify,
    sourcemap: false,
    legalComments: 'none',
    outdir: '/bundle',
    logLevel: 'silent',
  });
  const scripts = new Map<string, CompiledScript>();
  for (const file of result.outputFiles) {
    const name = file.path.slice('/bundle/'.length);
    const etag = `"${createHash('sha256').update(file.contents).digest('base64url').slice(0, 27)}"`;
    scripts.set(name, { code: file.text, etag });
  }
  return scripts;
}
