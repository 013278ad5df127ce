// ListUseCases over gRPC on a real (SQLite) event store: every drafted use case, most recently
// drafted first, with its scope, assets, status and serving spec version; a page size above 500 is
// INVALID_ARGUMENT naming page_size; a call without a token is UNAUTHENTICATED.
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { FIELD_TRAILER, charterV1, unaryCall } from '@industrial/grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryHistorian } from './memory-historian.ts';
import { sqliteStore, startCharter, type Running, type StoreFixture } from './fixture.ts';

const LINE = 'acme.plant1.packaging.line-1';
const FILLER = `${LINE}.filler-3`;
const CAPPER = `${LINE}.capper-1`;

let fx: StoreFixture;
let svc: Running;

const draft = (useCaseId: string, title: string, assetPath: string) =>
  charterV1.DraftUseCaseRequest.fromPartial({
    useCaseId,
    useCase: {
      title,
      problem: 'Stops the line about twice a week.',
      scope: { enterprise: 'acme', site: 'plant1', area: 'packaging', line: 'line-1' },
      assetPaths: [assetPath],
      owner: 'erik@plant1',
      kind: 'predictive-maintenance',
      questions: { whatAreWeImproving: 'Unplanned stops.', whyDoesItMatter: 'Lost output.', howWillWeKnow: 'Downtime halves.' },
      stakeholders: [],
      failureModes: [{ assetType: 'filler', code: 'nozzle-clog', description: 'Residue clogs the nozzles.' }],
      requiredTags: [],
    },
  });

beforeAll(async () => {
  fx = await sqliteStore();
  const h = new MemoryHistorian();
  h.addTag({ assetPath: FILLER, tag: 'nozzle_pressure', unit: 'bar' }, null);
  h.addTag({ assetPath: CAPPER, tag: 'torque', unit: 'N.m' }, null);
  svc = await startCharter(fx.store, { historian: h, catalog: h, outcomes: h });
});
afterAll(async () => {
  await svc?.close();
  await fx?.cleanup();
});

describe('ListUseCases', () => {
  it('lists every drafted use case, newest first, and learns of one drafted after the first call', async () => {
    const engineer = svc.client(await svc.token('engineer', 'erik@plant1'));
    const first = randomUUID();
    const second = randomUUID();
    expect((await unaryCall(engineer, engineer.listUseCases, { pageSize: 0 })).useCases).toEqual([]);
    await unaryCall(engineer, engineer.draftUseCase, draft(first, 'Filler nozzle clogging', FILLER));
    const one = await unaryCall(engineer, engineer.listUseCases, { pageSize: 0 });
    expect(one.useCases.map((u) => u.useCaseId)).toEqual([first]);
    await unaryCall(engineer, engineer.draftUseCase, draft(second, 'Capper torque drift', CAPPER));
    const operator = svc.client(await svc.token('operator'));
    const both = await unaryCall(operator, operator.listUseCases, { pageSize: 0 });
    expect(both.useCases.map((u) => u.title)).toEqual(['Capper torque drift', 'Filler nozzle clogging']);
    expect(both.useCases[1]).toMatchObject({
      useCaseId: first,
      kind: 'predictive-maintenance',
      scope: { enterprise: 'acme', site: 'plant1', area: 'packaging', line: 'line-1' },
      assetPaths: [FILLER],
      status: 'draft',
      revision: 0,
      servingSpecVersion: 0,
    });
    expect((await unaryCall(operator, operator.listUseCases, { pageSize: 1 })).useCases.map((u) => u.useCaseId)).toEqual([second]);
    engineer.close();
    operator.close();
  });

  it('refuses a page size above 500 naming page_size, and a call without a token', async () => {
    const engineer = svc.client(await svc.token('engineer'));
    const error = (await unaryCall(engineer, engineer.listUseCases, { pageSize: 501 }).catch((e: unknown) => e)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.metadata.get(FIELD_TRAILER)[0]).toBe('page_size');
    const anonymous = svc.client();
    expect(((await unaryCall(anonymous, anonymous.listUseCases, { pageSize: 0 }).catch((e: unknown) => e)) as grpc.ServiceError).code).toBe(
      grpc.status.UNAUTHENTICATED,
    );
    engineer.close();
    anonymous.close();
  });
});
