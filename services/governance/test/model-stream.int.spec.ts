// Optimistic concurrency of the registry's appends on both stores: when another writer appends to
// the model stream between the read and the append, the decision is made again on what is there
// now — and is refused when the other writer decided first.
import { randomUUID } from 'node:crypto';
import { eventExamples, latestVersion } from '@industrial/contracts';
import type { AppendOptions, EventStore, NewEvent } from '@industrial/eventstore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideAndAppend, readModelStream } from '../src/adapters/eventstore/model-stream.ts';
import { RegistryError, decideApprove, decideReject, decideRequestApproval } from '../src/domain/registry.ts';
import { postgresStore, sqliteStore, streamFor, type StoreFactory, type StoreFixture } from './fixture.ts';

const actor = (name: string) => ({ actor: name, role: name === 'erin' ? 'engineer' : 'quality_lead', correlationId: randomUUID(), traceparent: null });

describe.each<[string, StoreFactory]>([
  ['embedded SQLite', sqliteStore],
  ['PostgreSQL', postgresStore],
])('model stream appends on %s', (_name, factory) => {
  let fx: StoreFixture;
  const useCaseId = randomUUID(), modelVersionId = randomUUID(), requestId = randomUUID();

  beforeAll(async () => {
    fx = await factory(() => new Date());
    await fx.store.append(streamFor('ModelVersionRegistered', useCaseId), [
      {
        id: randomUUID(),
        type: 'ModelVersionRegistered',
        data: { ...eventExamples.ModelVersionRegistered, modelVersionId, useCaseId, version: 1 },
        metadata: { actor: 'svc:training', role: 'service', correlationId: randomUUID(), causationId: null, traceparent: null, schemaVersion: latestVersion('ModelVersionRegistered') },
      },
    ]);
    await decideAndAppend(fx.store, useCaseId, actor('erin'), (s) => decideRequestApproval(s, { useCaseId, requestId, modelVersionId, targetStage: 'shadow', justification: 'j', scope: null }));
  }, 30_000);
  afterAll(async () => fx?.cleanup());

  it('decides again after a concurrent append and refuses what is no longer pending', async () => {
    // A store on which another quality lead's rejection lands between quinn's read and quinn's append.
    let interleaved = false;
    const racing = {
      readStream: fx.store.readStream.bind(fx.store),
      async append(stream: string, events: readonly NewEvent[], options?: AppendOptions) {
        if (!interleaved) {
          interleaved = true;
          await decideAndAppend(fx.store, useCaseId, actor('quentin'), (t) => decideReject(t, { useCaseId, requestId, reason: 'no' }));
        }
        return fx.store.append(stream, events, options);
      },
    } as unknown as EventStore;
    let attempts = 0;
    const outcome = decideAndAppend(racing, useCaseId, actor('quinn'), (s) => {
      attempts++;
      return decideApprove(s, { useCaseId, requestId, approver: 'quinn', conditions: [], comment: null });
    });
    await expect(outcome).rejects.toBeInstanceOf(RegistryError);
    await expect(outcome).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringMatching(/is rejected \(by quentin/) });
    expect(attempts).toBe(2);
    const types = (await readModelStream(fx.store, useCaseId)).map((e) => e.type);
    expect(types).toEqual(['ModelVersionRegistered', 'ModelApprovalRequested', 'ModelRejected']);
  });
});
