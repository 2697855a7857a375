import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';

// ajv-formats is published as CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({
    removeAdditional: false,
    useDefaults: true,
    allErrors: false,
    strict: false,
    // A oneOf with a discriminator (e.g. an observation's `kind`) is checked against the one branch its tag names, so a
    // bad item is reported against its own kind only; `verbose` keeps the schema on each error, to list the kinds.
    discriminator: true,
    verbose: true,
    ...options,
  });
  addFormats(ajv);
  return ajv;
}

/**
 * Bodies are validated strictly: no type coercion ("12" is not a number) and unknown fields rejected
 * by the schemas' additionalProperties: false. Query strings, params and headers arrive as text,
 * so they are coerced to the declared types.
 */
export function registerValidators(app: FastifyInstance): void {
  const strict = makeAjv({ coerceTypes: false });
  const coercing = makeAjv({ coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? strict : coercing;
    return ajv.compile(schema);
  });
}

/** One ajv error, as Fastify hands it to the error handler (`verbose` adds the schema it failed). */
export interface ValidationIssue {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
  parentSchema?: unknown;
}

/** A problem's `errors[]` entry: where in the request, and what is wrong there, in words. */
export interface ValidationError {
  path: string;
  message: string;
}

/** The tag values a discriminated oneOf accepts, in the order of its branches. */
function discriminatorValues(parentSchema: unknown, tagName: string): string[] {
  const oneOf = (parentSchema as { oneOf?: unknown } | undefined)?.oneOf;
  if (!Array.isArray(oneOf)) return [];
  return oneOf.flatMap((branch) => {
    const tag = (branch as { properties?: Record<string, { const?: unknown; enum?: unknown }> } | undefined)
      ?.properties?.[tagName];
    if (typeof tag?.const === 'string') return [tag.const];
    return Array.isArray(tag?.enum) ? tag.enum.filter((value): value is string => typeof value === 'string') : [];
  });
}

/** Turns one ajv error into a path and a message, e.g. `body/interactions/3/lat` "must be <= 90". */
export function describeIssue(where: string, issue: ValidationIssue): ValidationError {
  const path = `${where}${issue.instancePath}`;
  if (issue.keyword === 'additionalProperties') {
    return { path, message: `has unknown field "${String(issue.params.additionalProperty)}"` };
  }
  if (issue.keyword === 'required') {
    return { path, message: `is missing required field "${String(issue.params.missingProperty)}"` };
  }
  if (issue.keyword === 'discriminator') {
    const tagName = String(issue.params.tag);
    if (issue.params.tagValue === undefined) return { path, message: `is missing required field "${tagName}"` };
    const values = discriminatorValues(issue.parentSchema, tagName);
    return {
      path: `${path}/${tagName}`,
      message:
        values.length > 0 ? `must be one of ${values.map((value) => `"${value}"`).join(', ')}` : 'has an unknown value',
    };
  }
  return { path, message: issue.message ?? 'is invalid' };
}
