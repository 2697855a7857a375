import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { addDiscriminatorMappings } from './openapi-discriminators.js';

/** The SPDX identifier of the licence the project is published under, from package.json. */
function projectLicense(): string {
  const packageJson = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    license?: unknown;
  };
  if (typeof packageJson.license !== 'string') throw new Error('package.json has no "license"');
  return packageJson.license;
}

/**
 * The API document (/openapi.json, and the reader at /docs), from the routes' schemas. Every route declares an
 * `operationId` (the client SDK's method name where it has one) and its `security`: `[]` for anonymous routes. A
 * schema with an `$id` becomes a named component under that name (e.g. `Problem`, `LocationObservation`). The
 * document is linted with Redocly's recommended rules by test/http/openapi-lint.test.ts (see redocly.yaml).
 */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  const license = projectLicense();
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Epitrace API',
        description:
          'Real-time epidemic contact tracing. App users authenticate with the bearer token returned by POST /users; ' +
          'staff with the token returned by POST /auth/login. Errors are RFC 9457 application/problem+json.',
        version,
        license: { name: license, identifier: license },
      },
      // Relative: the API is served from the same origin as this document, whatever address it is reached by.
      servers: [{ url: '/', description: 'This server' }],
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
    },
    transformObject: (documents) =>
      'openapiObject' in documents ? addDiscriminatorMappings(documents.openapiObject) : documents.swaggerObject,
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
