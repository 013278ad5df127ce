// The ModelRegistry port over gRPC against a real governance app on loopback (cluster mode):
// training's service account registers a candidate, governance numbers it and is the one writer of
// the model stream; the run's registration can be read back; a person's token is refused.
import { randomUUID } from 'node:crypto';
import { createKeySet, importKeySet, importSigningKey, issueToken, type Role } from '@industrial/access';
import { eventExamples } from '@industrial/contracts';
import { createGovernanceApp, type GovernanceApp } from '@industrial/governance';
import { serviceCause } from '@industrial/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcModelRegistry } from '../src/index.ts';
import { AUDIENCE, ISSUER, silent, sqliteStore, type StoreFixture } from './fixture.ts';

describe('the gRPC model registry adapter (governance RegisterModelVersion)', () => {
  let fx: StoreFixture;
  let governance: GovernanceApp;
  let address: string;
  let token: (subject: string, role: Role) => Promise<string>;
  const useCaseId = randomUUID();
  const cause = serviceCause('training', randomUUID());
  const registration = (runId = randomUUID()) => {
    const { version: _v, ...data } = eventExamples.ModelVersionRegistered;
    return { ...data, useCaseId, runId, modelVersionId: randomUUID() };
  };

  beforeAll(async () => {
    fx = await sqliteStore();
    const material = await createKeySet({ now: new Date() });
    const signingKey = await importSigningKey(material.signingKey);
    token = (subject, role) =>
      issueToken(signingKey, {
        subject,
        roles: [role],
        scopes: ['*'],
        tokenId: randomUUID(),
        issuer: ISSUER,
        audience: AUDIENCE,
        now: new Date(),
        ttlSeconds: 600,
      });
    governance = createGovernanceApp({
      store: fx.store,
      keySet: await importKeySet(material.keySet),
      logger: silent,
      config: { grpc: { host: '127.0.0.1', port: 0 }, http: { host: '127.0.0.1', port: 0 }, access: { issuer: ISSUER, audience: AUDIENCE } },
    });
    address = `127.0.0.1:${(await governance.start()).grpcPort}`;
  }, 30_000);
  afterAll(async () => {
    await governance?.stop();
    await fx?.cleanup();
  });

  it('registers through governance (version assigned there, recorded as governance by svc:training) and reads the run back', async () => {
    const registry = createGrpcModelRegistry({ address, token: await token('svc:training', 'service') });
    try {
      const a = registration();
      const first = await registry.register(a, cause);
      expect(first).toEqual({ alreadyRegistered: false, registered: { ...a, version: 1 } });
      expect((await registry.register(registration(), cause)).registered.version).toBe(2);
      expect(await registry.register(a, cause)).toMatchObject({ alreadyRegistered: true, registered: { version: 1 } });
      expect(await registry.registrationOf(useCaseId, a.runId, cause)).toEqual({ ...a, version: 1 });
      expect(await registry.registrationOf(useCaseId, randomUUID(), cause)).toBeNull();
      expect((await registry.registrations(useCaseId, cause)).map((r) => r.version)).toEqual([1, 2]);
      const [recorded] = await fx.store.readStream(`model-${useCaseId}`);
      expect(recorded!.metadata).toMatchObject({ actor: 'svc:training', role: 'service' });
    } finally {
      registry.close();
    }
  });

  it("refuses a person's token (model.register is a service account's permission)", async () => {
    const registry = createGrpcModelRegistry({ address, token: await token('erin', 'engineer') });
    try {
      await expect(registry.register(registration(), cause)).rejects.toMatchObject({ code: 7 }); // PERMISSION_DENIED
    } finally {
      registry.close();
    }
  });
});
