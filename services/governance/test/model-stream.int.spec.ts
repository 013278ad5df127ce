// The registry's commands through the kernel on both stores: when another writer appends to the
// model stream between the read and the append, the decision is made again on what is there now —
// and is refused when the other writer decided first; a registration gets the next version number
// and is idempotent per run; training's kernel may not write the model stream (one writer).
import { randomUUID } from 'node:crypto';
import { eventExamples, latestVersion, streamFor } from '@industrial/contracts';
import type { AppendOptions, EventStore, NewEvent } from '@industrial/eventstore';
import { createKernel, OwnershipError, serviceCause } from '@industrial/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryError, type RegisterCommand } from '../src/domain/registry.ts';
import { createRegistryFeatures } from '../src/features/registry.ts';
import { postgresStore, sqliteStore, type StoreFactory, type StoreFixture } from './fixture.ts';

const cause = (name: string) => ({
  actor: name,
  role: name === 'erin' ? 'engineer' : 'quality_lead',
  correlationId: randomUUID(),
  causationId: null,
  traceparent: null,
});
const registration = (useCaseId: string, runId = randomUUID()): RegisterCommand => {
  const { version: _v, ...data } = eventExamples.ModelVersionRegistered;
  return { ...data, modelVersionId: randomUUID(), useCaseId, runId };
};

describe.each<[string, StoreFactory]>([
  ['embedded SQLite', sqliteStore],
  ['PostgreSQL', postgresStore],
])('model stream commands on %s', (_name, factory) => {
  let fx: StoreFixture;
  const useCaseId = randomUUID();
  let modelVersionId: string, requestId: string;

  beforeAll(async () => {
    fx = await factory(() => new Date());
    const registry = createRegistryFeatures({ kernel: createKernel({ service: 'governance', store: fx.store }) });
    const first = registration(useCaseId);
    modelVersionId = (await registry.register(first, serviceCause('training', randomUUID()))).registered.modelVersionId;
    requestId = (await registry.requestApproval({ useCaseId, modelVersionId, targetStage: 'shadow', justification: 'j', scope: null }, cause('erin')))
      .requestId;
  }, 30_000);
  afterAll(async () => fx?.cleanup());

  it('decides again after a concurrent append and refuses what is no longer pending', async () => {
    const registry = createRegistryFeatures({ kernel: createKernel({ service: 'governance', store: fx.store }) });
    // A store on which another quality lead's rejection lands between quinn's read and quinn's append.
    let interleaved = false;
    const racing = {
      readStream: fx.store.readStream.bind(fx.store),
      async append(stream: string, events: readonly NewEvent[], options?: AppendOptions) {
        if (!interleaved) {
          interleaved = true;
          await registry.reject({ useCaseId, requestId, reason: 'no' }, cause('quentin'));
        }
        return fx.store.append(stream, events, options);
      },
    } as unknown as EventStore;
    let attempts = 0;
    const kernel = createKernel({ service: 'governance', store: racing });
    const counting = {
      ...kernel,
      read: kernel.read,
      execute: ((...args: Parameters<typeof kernel.execute>) =>
        kernel.execute(args[0], args[1], (s, l) => (attempts++, args[2](s, l)), args[3], args[4])) as typeof kernel.execute,
    };
    const outcome = createRegistryFeatures({ kernel: counting }).approve({ useCaseId, requestId, conditions: [], comment: null }, cause('quinn'));
    await expect(outcome).rejects.toBeInstanceOf(RegistryError);
    await expect(outcome).rejects.toMatchObject({ code: 'FAILED_PRECONDITION', message: expect.stringMatching(/is rejected \(by quentin/) });
    expect(attempts).toBe(2);
    const types = (await fx.store.readStream(streamFor('ModelPromoted', useCaseId))).map((e) => e.type);
    expect(types).toEqual(['ModelVersionRegistered', 'ModelApprovalRequested', 'ModelRejected']);
  });

  it('numbers registrations per use case and answers a run registered again with its registration', async () => {
    const registry = createRegistryFeatures({ kernel: createKernel({ service: 'governance', store: fx.store }) });
    const other = randomUUID();
    const a = registration(other),
      b = registration(other);
    const svc = serviceCause('training', randomUUID());
    const [ra, rb] = await Promise.all([registry.register(a, svc), registry.register(b, svc)]);
    expect([ra.registered.version, rb.registered.version].sort()).toEqual([1, 2]);
    const again = await registry.register(a, svc);
    expect(again).toMatchObject({ alreadyRegistered: true, registered: { modelVersionId: a.modelVersionId, version: ra.registered.version } });
    expect((await fx.store.readStream(streamFor('ModelVersionRegistered', other))).length).toBe(2);
    await expect(registry.register({ ...a, modelVersionId: randomUUID() }, svc)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
  });

  it("refuses training's own append of ModelVersionRegistered (governance is the model stream's one writer)", async () => {
    const training = createKernel({ service: 'training', store: fx.store });
    const before = await fx.store.headPosition();
    const data = { ...eventExamples.ModelVersionRegistered, useCaseId, version: 9 };
    const refused = training.append(
      streamFor('ModelVersionRegistered', useCaseId),
      [{ type: 'ModelVersionRegistered', data }],
      serviceCause('training', randomUUID()),
    );
    await expect(refused).rejects.toBeInstanceOf(OwnershipError);
    await expect(refused).rejects.toMatchObject({ owner: 'governance', type: 'ModelVersionRegistered' });
    expect(await fx.store.headPosition()).toBe(before);
    expect(latestVersion('ModelVersionRegistered')).toBe(1);
  });
});
