import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const REDOCLY = join(root, 'node_modules/@redocly/cli/bin/cli.js');
const CONFIG = join(root, 'redocly.yaml');
const SDK_CLIENT = join(root, 'web/sdk/client.ts');
/** The detail of the 401 a route that needs a bearer token gives to a request without one. */
const NEEDS_TOKEN = 'this route needs a bearer token';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface Operation {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  responses?: Record<string, unknown>;
}
interface OpenApiDocument {
  paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
}
interface LintProblem {
  ruleId: string;
  severity: string;
  message: string;
  location: Array<{ pointer?: string }>;
}
interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: LintProblem[];
}

/** Every operation of the document, with its method and path. */
function operationsOf(document: OpenApiDocument) {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item[method];
      return operation ? [{ method: method.toUpperCase(), path, operation }] : [];
    }),
  );
}

/** Runs Redocly CLI's linter (with redocly.yaml: the recommended rules) on a file; resolves with its JSON report. */
function redoclyLint(file: string): Promise<LintReport> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [REDOCLY, 'lint', file, '--config', CONFIG, '--format=json'],
      {
        cwd: root,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      },
      // The exit code is 1 when errors are found: the report on stdout says which.
      (error, stdout, stderr) => {
        try {
          resolve(JSON.parse(stdout) as LintReport);
        } catch {
          reject(new Error(`redocly lint gave no JSON report (${String(error?.message)}): ${stdout}\n${stderr}`));
        }
      },
    );
  });
}

const describeProblems = (report: LintReport) =>
  report.problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer ?? '?'}: ${p.message}`);

/**
 * The endpoints the SDK client's methods call, read from web/sdk/client.ts: `this.request('GET', '/path')`,
 * `this.requestWithStatus(...)` and `this.stream('/path')` (GET), with `${...}` in a path standing for a parameter.
 */
function sdkEndpoints(): Array<{ name: string; method: string; path: string }> {
  const source = ts.createSourceFile(SDK_CLIENT, readFileSync(SDK_CLIENT, 'utf8'), ts.ScriptTarget.Latest, true);
  const pathOf = (node: ts.Expression | undefined): string | undefined => {
    if (node === undefined) return undefined;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
    if (ts.isTemplateExpression(node))
      return node.head.text + node.templateSpans.map((s) => `{}${s.literal.text}`).join('');
    return undefined;
  };
  const found: Array<{ name: string; method: string; path: string }> = [];
  const visitClass = (node: ts.Node): void => {
    if (!ts.isClassDeclaration(node) || node.name?.text !== 'EpitraceClient') {
      ts.forEachChild(node, visitClass);
      return;
    }
    for (const member of node.members) {
      if (!ts.isMethodDeclaration(member) || member.body === undefined || !ts.isIdentifier(member.name)) continue;
      const name = member.name.text;
      const visitCall = (child: ts.Node) => {
        if (
          ts.isCallExpression(child) &&
          ts.isPropertyAccessExpression(child.expression) &&
          child.expression.expression.kind === ts.SyntaxKind.ThisKeyword
        ) {
          const callee = child.expression.name.text;
          const [first, second] = child.arguments;
          if ((callee === 'request' || callee === 'requestWithStatus') && first && ts.isStringLiteral(first)) {
            const path = pathOf(second);
            if (path !== undefined) found.push({ name, method: first.text, path });
          }
          if (callee === 'stream') {
            const path = pathOf(first);
            if (path !== undefined) found.push({ name, method: 'GET', path });
          }
        }
        ts.forEachChild(child, visitCall);
      };
      visitCall(member.body);
    }
  };
  visitClass(source);
  return found;
}

describe('the API document (/openapi.json)', () => {
  let t: TestApp;
  let document: OpenApiDocument;
  let dir: string;
  beforeAll(async () => {
    t = await buildTestApp('sqlite');
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    document = response.json<OpenApiDocument>();
    dir = mkdtempSync(join(tmpdir(), 'epitrace-openapi-'));
  });
  afterAll(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("passes Redocly CLI's recommended rules (redocly.yaml) with no error and no warning", async () => {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document, null, 2));
    // The same linter on a copy with an operation missing its operationId and security: the lint really runs.
    const broken = structuredClone(document);
    const probe = broken.paths['/interactions']!.post!;
    delete probe.operationId;
    delete probe.security;
    const brokenFile = join(dir, 'broken.json');
    writeFileSync(brokenFile, JSON.stringify(broken, null, 2));

    const [report, brokenReport] = await Promise.all([redoclyLint(file), redoclyLint(brokenFile)]);
    expect(describeProblems(report)).toEqual([]);
    expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
    expect(brokenReport.problems.map((p) => [p.ruleId, p.location[0]?.pointer]).sort()).toEqual([
      ['operation-operationId', '#/paths/~1interactions/post/operationId'],
      ['security-defined', '#/paths/~1interactions/post'],
    ]);
  });

  it('describes an observation as one of three named schemas, each kind mapped to its own', () => {
    const body = (
      document.paths['/interactions']!.post as unknown as {
        requestBody: {
          content: { 'application/json': { schema: { properties: { interactions: { items: unknown } } } } };
        };
      }
    ).requestBody.content['application/json'].schema.properties.interactions.items;
    const ref = (name: string) => `#/components/schemas/${name}`;
    expect(body).toMatchObject({
      discriminator: {
        propertyName: 'kind',
        mapping: {
          location: ref('LocationObservation'),
          checkin: ref('CheckinObservation'),
          proximity: ref('ProximityObservation'),
        },
      },
      oneOf: [
        { $ref: ref('LocationObservation') },
        { $ref: ref('CheckinObservation') },
        { $ref: ref('ProximityObservation') },
      ],
    });
    const schemas = (document as unknown as { components: { schemas: Record<string, { properties: object }> } })
      .components.schemas;
    expect(schemas.LocationObservation!.properties).toMatchObject({ kind: { enum: ['location'] } });
    expect(schemas.Problem).toBeDefined();
  });

  it('names every operation with a unique camelCase operationId', () => {
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThan(30);
    const missing = operations.filter((o) => o.operation.operationId === undefined).map((o) => `${o.method} ${o.path}`);
    expect(missing, 'operations without an operationId').toEqual([]);
    const ids = operations.map((o) => o.operation.operationId!);
    expect(
      ids.filter((id) => !/^[a-z][a-zA-Z0-9]*$/.test(id)),
      'operationIds not in camelCase',
    ).toEqual([]);
    expect(
      ids.filter((id, i) => ids.indexOf(id) !== i),
      'operationIds used twice',
    ).toEqual([]);
  });

  it("gives every endpoint the SDK client calls the SDK method's name as its operationId", () => {
    const endpoints = sdkEndpoints();
    expect(endpoints.length).toBeGreaterThan(30);
    const operations = operationsOf(document);
    const templateOf = (path: string) => path.replace(/\{[^}]+\}/g, '{}');
    const mismatches = endpoints.flatMap(({ name, method, path }) => {
      const operation = operations.find((o) => o.method === method && templateOf(o.path) === path);
      if (operation === undefined) return [`${name}: ${method} ${path} is not in the document`];
      const id = operation.operation.operationId;
      return id === name ? [] : [`${name}: ${method} ${operation.path} has operationId ${String(id)}`];
    });
    expect(mismatches).toEqual([]);
  });

  it('declares the security each route applies: security [] exactly where a request without a token is served', async () => {
    const mismatches: string[] = [];
    for (const { method, path, operation } of operationsOf(document)) {
      const declared = operation.security;
      expect(declared, `${method} ${path} declares no security`).toBeDefined();
      const anonymous = declared!.length === 0;
      const url = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      const response = await t.app.inject({
        method: method as 'GET',
        url,
        ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }),
      });
      // The answer of a route that needs a bearer token and got none (a route's own credentials, such as a refresh
      // token, may give other 401s).
      const refused = response.statusCode === 401 && response.json<{ detail?: string }>().detail === NEEDS_TOKEN;
      if (anonymous === refused) {
        mismatches.push(
          `${method} ${path}: declares ${anonymous ? 'security []' : 'a bearer token'}, answers ${response.statusCode}`,
        );
      }
    }
    expect(mismatches).toEqual([]);
  });
});
