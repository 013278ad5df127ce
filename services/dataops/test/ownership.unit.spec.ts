// Stream ownership as dataops meets it: its kernel refuses the streams dataops wrote into before it
// had streams of its own (quality issues in connectivity's `source-`, labels in inference's
// `asset-`) with a typed error naming the type, the stream and the reason, and writes nothing; at
// the gRPC edge such a refusal is FAILED_PRECONDITION with that message (a conflict is ABORTED).
import { status } from '@grpc/grpc-js';
import { eventExamples } from '@industrial/contracts';
import type { EventStore } from '@industrial/eventstore';
import { toGrpcStatus } from '@industrial/grpc';
import { ConcurrencyConflictError, createKernel, OwnershipError, serviceCause, type Kernel } from '@industrial/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { edge } from '../src/adapters/grpc/common.ts';
import { qualityStream } from '../src/features/quality-issues.ts';
import { testEventStore } from './harness.ts';

const cause = serviceCause('dataops', '0193a1b2-7c00-7a10-8b00-0000000000c1');

describe('dataops and stream ownership', () => {
  let store: EventStore;
  let kernel: Kernel;
  beforeAll(async () => {
    store = await testEventStore();
    kernel = createKernel({ service: 'dataops', store });
  });
  afterAll(async () => {
    await store?.close();
  });

  it('names its quality streams quality-<sourceId>', () => {
    expect(qualityStream('0193a1b2-7c00-7a10-8b00-000000000004')).toBe('quality-0193a1b2-7c00-7a10-8b00-000000000004');
  });

  it.each([
    ['DataQualityIssueRaised', 'source-0193a1b2-7c00-7a10-8b00-000000000004', 'quality-'],
    ['LabelRecorded', 'asset-acme.plant1.milling.line-1.mill-1', 'label-'],
  ] as const)('refuses %s in %s (its streams are %s…) and writes nothing', async (type, stream, family) => {
    const before = await store.headPosition();
    const error = await kernel.append(stream, [{ type, data: eventExamples[type] } as never], cause).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OwnershipError);
    expect(error).toMatchObject({ code: 'OWNERSHIP', type, stream, service: 'dataops' });
    expect((error as Error).message).toContain(`${type} belongs in "${family}<id>" streams, not in "${stream}"`);
    expect(await store.headPosition()).toBe(before);
  });

  it('turns a kernel refusal into FAILED_PRECONDITION at the gRPC edge, with the stream and the type in the message', async () => {
    const refused = await edge(() =>
      kernel.append('asset-acme.plant1.milling.line-1.mill-1', [{ type: 'LabelRecorded', data: eventExamples.LabelRecorded }], cause),
    ).then(
      () => null,
      (e: unknown) => e,
    );
    const mapped = toGrpcStatus(refused, 'c-1');
    expect(mapped.code).toBe(status.FAILED_PRECONDITION);
    expect(mapped.details).toMatch(/dataops may not append LabelRecorded to stream "asset-acme\.plant1\.milling\.line-1\.mill-1"/);
  });

  it('turns a concurrency conflict into ABORTED', async () => {
    const conflict = await edge(() => Promise.reject(new ConcurrencyConflictError('label-x', ['LabelRecorded'], 5, 3))).then(
      () => null,
      (e: unknown) => e,
    );
    expect(toGrpcStatus(conflict, 'c-2').code).toBe(status.ABORTED);
  });
});
