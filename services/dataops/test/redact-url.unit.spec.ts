// Secrets never reach errors or logs: the PostgreSQL connection string is shown without its password.
import { describe, expect, it } from 'vitest';
import { redactUrl } from '../src/adapters/historian/postgres.ts';

describe('redactUrl', () => {
  it.each([
    ['postgres://dataops:s3cr3t@db.plant:5432/historian', 'postgres://dataops:***@db.plant:5432/historian'],
    ['postgres://postgres@127.0.0.1:5432/test', 'postgres://postgres@127.0.0.1:5432/test'],
    ['postgresql://u:p%40ss@h/d?sslmode=require', 'postgresql://u:***@h/d?sslmode=require'],
    ['not a url with password=hunter2', '(an unparsable connection string)'],
  ])('%s → %s', (input, shown) => {
    expect(redactUrl(input)).toBe(shown);
    expect(redactUrl(input)).not.toMatch(/s3cr3t|p%40ss|hunter2/);
  });
});
