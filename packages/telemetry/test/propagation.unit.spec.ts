// The "./api" entry without any SDK: constants, no-op behaviour, and its import boundary.
import { readFile } from 'node:fs/promises';
import { trace } from '@opentelemetry/api';
import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import { beforeAll, describe, expect, it } from 'vitest';
import { resetTelemetryForTests } from '../src/init.ts';
import * as api from '../src/propagation.ts';

beforeAll(async () => {
  // The worker may have run a file that registered the SDK; this file tests the bare API.
  await resetTelemetryForTests();
});

describe('the ./api entry', () => {
  it('imports nothing but @opentelemetry/api, so libraries can use it without the SDK', async () => {
    const source = await readFile(new URL('../src/propagation.ts', import.meta.url), 'utf8');
    const specifiers = [...source.matchAll(/from\s+'([^']+)'/g)].map((match) => match[1]);
    expect(new Set(specifiers)).toEqual(new Set(['@opentelemetry/api']));
  });

  it('is what package.json exports as "./api"', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      exports: Record<string, string>;
    };
    expect(pkg.exports['./api']).toBe('./src/propagation.ts');
  });

  it('names the attributes exactly as semantic-conventions 1.45 (incubating) does', () => {
    expect(api.ATTR_MESSAGING_SYSTEM).toBe(semconv.ATTR_MESSAGING_SYSTEM);
    expect(api.ATTR_MESSAGING_OPERATION_NAME).toBe(semconv.ATTR_MESSAGING_OPERATION_NAME);
    expect(api.ATTR_MESSAGING_OPERATION_TYPE).toBe(semconv.ATTR_MESSAGING_OPERATION_TYPE);
    expect(api.ATTR_MESSAGING_DESTINATION_NAME).toBe(semconv.ATTR_MESSAGING_DESTINATION_NAME);
    expect(api.ATTR_MESSAGING_MESSAGE_ID).toBe(semconv.ATTR_MESSAGING_MESSAGE_ID);
    expect(api.ATTR_MESSAGING_BATCH_MESSAGE_COUNT).toBe(semconv.ATTR_MESSAGING_BATCH_MESSAGE_COUNT);
    expect(api.ATTR_RPC_SYSTEM).toBe(semconv.ATTR_RPC_SYSTEM);
    expect(api.ATTR_RPC_SERVICE).toBe(semconv.ATTR_RPC_SERVICE);
    expect(api.ATTR_RPC_METHOD).toBe(semconv.ATTR_RPC_METHOD);
    expect(api.ATTR_RPC_GRPC_STATUS_CODE).toBe(semconv.ATTR_RPC_GRPC_STATUS_CODE);
    expect(api.MessagingOperationType).toEqual({
      CREATE: semconv.MESSAGING_OPERATION_TYPE_VALUE_CREATE,
      SEND: semconv.MESSAGING_OPERATION_TYPE_VALUE_SEND,
      RECEIVE: semconv.MESSAGING_OPERATION_TYPE_VALUE_RECEIVE,
      PROCESS: semconv.MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
      SETTLE: semconv.MESSAGING_OPERATION_TYPE_VALUE_SETTLE,
    });
  });

  it('importantSpanOptions adds decision.important = true and keeps the caller attributes', () => {
    expect(api.importantSpanOptions({ attributes: { 'asset.id': 'pump-7' } })).toEqual({
      attributes: { 'asset.id': 'pump-7', [api.IMPORTANT_ATTRIBUTE]: true },
    });
    expect(api.IMPORTANT_ATTRIBUTE).toBe('decision.important');
  });

  describe('when no SDK is registered', () => {
    it('has no traceparent and injects nothing', () => {
      expect(api.currentTraceparent()).toBeNull();
      expect(api.injectToCarrier()).toEqual({});
    });

    it('withSpan still runs the function and returns its value', async () => {
      const tracer = trace.getTracer('test');
      await expect(api.withSpan(tracer, 'noop', {}, () => 42)).resolves.toBe(42);
      await expect(
        api.withSpan(tracer, 'noop', {}, async () => {
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
    });
  });
});
