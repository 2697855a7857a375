import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerProblemHandlers } from '../../src/platform/http/problem.js';
import { describeIssue, registerValidators } from '../../src/platform/http/validation.js';

/** Any body that is a oneOf with a discriminator is reported against the branch its tag names, not every branch. */
describe('validation errors of a discriminated union body', () => {
  const Circle = Type.Object(
    { shape: Type.Literal('circle'), radius: Type.Number({ minimum: 0 }) },
    { additionalProperties: false },
  );
  const Square = Type.Object(
    { shape: Type.Literal('square'), side: Type.Number({ minimum: 0 }) },
    { additionalProperties: false },
  );
  const Polygon = Type.Object(
    {
      shape: Type.Unsafe<string>({ type: 'string', enum: ['triangle', 'hexagon'] }),
      sides: Type.Array(Type.Number()),
    },
    { additionalProperties: false },
  );
  const Shape = {
    type: 'object',
    required: ['shape'],
    discriminator: { propertyName: 'shape' },
    oneOf: [Circle, Square, Polygon],
  };

  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify({ logger: false });
    registerValidators(app);
    registerProblemHandlers(app);
    app.post('/shapes', { schema: { body: Shape } }, async () => ({ ok: true }));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  const errorsOf = async (payload: unknown) => {
    const response = await app.inject({ method: 'POST', url: '/shapes', payload: payload as object });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    return response.json<{ errors: unknown[] }>().errors;
  };

  it("reports only the named branch's errors", async () => {
    expect(await errorsOf({ shape: 'circle', radius: -1 })).toEqual([{ path: 'body/radius', message: 'must be >= 0' }]);
    expect(await errorsOf({ shape: 'square' })).toEqual([
      { path: 'body', message: 'is missing required field "side"' },
    ]);
    expect(await errorsOf({ shape: 'hexagon', radius: 1, sides: [] })).toEqual([
      { path: 'body', message: 'has unknown field "radius"' },
    ]);
  });

  it('lists the values the tag may take, from const and enum branches, when it is unknown or not text', async () => {
    const expected = [{ path: 'body/shape', message: 'must be one of "circle", "square", "triangle", "hexagon"' }];
    expect(await errorsOf({ shape: 'oval' })).toEqual(expected);
    expect(await errorsOf({ shape: ['circle'] })).toEqual(expected);
    expect(await errorsOf({ radius: 1 })).toEqual([{ path: 'body', message: 'is missing required field "shape"' }]);
  });

  it('accepts a valid member of every branch', async () => {
    for (const payload of [
      { shape: 'circle', radius: 2 },
      { shape: 'square', side: 1 },
      { shape: 'triangle', sides: [] },
    ]) {
      const response = await app.inject({ method: 'POST', url: '/shapes', payload });
      expect(response.statusCode, response.body).toBe(200);
    }
  });
});

describe('describeIssue', () => {
  it('says the tag has an unknown value when the schema does not list the values', () => {
    expect(
      describeIssue('body', {
        instancePath: '/items/2',
        keyword: 'discriminator',
        params: { error: 'mapping', tag: 'kind', tagValue: 'x' },
      }),
    ).toEqual({ path: 'body/items/2/kind', message: 'has an unknown value' });
  });

  it("keeps ajv's own words for other keywords", () => {
    expect(
      describeIssue('querystring', {
        instancePath: '/limit',
        keyword: 'maximum',
        message: 'must be <= 500',
        params: {},
      }),
    ).toEqual({ path: 'querystring/limit', message: 'must be <= 500' });
  });
});
