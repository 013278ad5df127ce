import { describe, expect, it } from 'vitest';
import { UnknownContractError } from '../src/errors.ts';
import { eventExamples, legacyEventExamples } from '../src/examples.ts';
import { jsonSchemaFor, listContracts } from '../src/registry.ts';

describe('JSON Schema export', () => {
  for (const entry of listContracts()) {
    it(`describes ${entry.type} v${entry.schemaVersion}`, () => {
      const schema = jsonSchemaFor(entry.type, entry.schemaVersion);
      expect(schema).toMatchObject({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $id: `urn:industrial:event:${entry.type}:v${entry.schemaVersion}`,
        title: `${entry.type} v${entry.schemaVersion}`,
        description: entry.description,
        'x-service': entry.service,
        'x-stream-family': entry.streamFamily,
        type: 'object',
        additionalProperties: false,
      });
      // the JSON Schema knows the same fields as the zod schema: every field of the example is declared,
      // every required field is present in the example
      const example = (
        entry.latest
          ? eventExamples[entry.type as keyof typeof eventExamples]
          : (legacyEventExamples as Record<string, Record<number, object>>)[entry.type]?.[entry.schemaVersion]
      ) as Record<string, unknown>;
      const properties = Object.keys(schema.properties as object);
      for (const key of Object.keys(example)) expect(properties).toContain(key);
      for (const key of schema.required as string[]) expect(Object.keys(example)).toContain(key);
      expect(() => JSON.stringify(schema)).not.toThrow();
    });
  }

  it('carries formats and bounds into the schema', () => {
    const schema = jsonSchemaFor('RecommendationRaised', 1) as { properties: Record<string, Record<string, unknown>> };
    expect(schema.properties.recommendationId).toMatchObject({ type: 'string', format: 'uuid' });
    expect(schema.properties.expiresAt).toMatchObject({ type: 'string', format: 'date-time' });
    expect(schema.properties.score).toMatchObject({ type: 'number', minimum: 0, maximum: 1 });
  });

  it('differs between versions of the same type', () => {
    expect(jsonSchemaFor('AccessDenied', 1).required).not.toContain('transport');
    expect(jsonSchemaFor('AccessDenied', 2).required).toEqual(expect.arrayContaining(['transport', 'detail', 'roles']));
  });

  it('refuses an unknown type or version', () => {
    expect(() => jsonSchemaFor('Nope', 1)).toThrow(UnknownContractError);
    expect(() => jsonSchemaFor('AccessDenied', 3)).toThrow(/supported versions: 1, 2/);
  });
});
