// DefineServingSpec end to end over gRPC: the charter checks a use case's serving spec (ADR 0016)
// against a real dataops catalog (SQLite historian, read through dataops' gRPC API as the charter's
// service account), records UseCaseServingSpecDefined with a version, records nothing for the same
// content, and refuses every bad input of issue 14 with the field named and nothing written.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { FIELD_TRAILER, charterV1, unaryCall } from '@industrial/grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataopsGrpcSource, type DataopsGrpcSource } from '../src/adapters/dataops/grpc.ts';
import { dataopsReader } from '../src/adapters/dataops/reader.ts';
import { dataopsOverGrpc, sqliteStore, startCharter, type DataopsOverGrpc, type Running, type StoreFixture } from './fixture.ts';

const PUMP_FILE = new URL('../../../usecases/pump-bearing.json', import.meta.url);
const LINE = 'acme.plant-1.utilities.cooling-water';
const PUMP_TAGS = ['flow', 'discharge_pressure', 'bearing_temperature', 'vibration_rms', 'motor_current', 'speed'];

interface UseCaseFile {
  useCaseId: string;
  draft: Record<string, unknown>;
  serving: Record<string, unknown> & { failureModes: { action: Record<string, unknown> }[]; task: Record<string, unknown> };
}
const demo = (): UseCaseFile => JSON.parse(readFileSync(PUMP_FILE, 'utf8')) as UseCaseFile;

async function expectRefused(p: Promise<unknown>, code: grpc.status, field: string): Promise<string> {
  const error = await p.then(
    () => null,
    (e: grpc.ServiceError) => e,
  );
  expect(error, `expected ${grpc.status[code]} on ${field}`).not.toBeNull();
  expect(error!.code).toBe(code);
  expect(error!.metadata.get(FIELD_TRAILER)[0]).toBe(field);
  return error!.details;
}

describe('when a use case is served as data (DefineServingSpec)', () => {
  let dataops: DataopsOverGrpc;
  let source: DataopsGrpcSource;
  let fx: StoreFixture;
  let svc: Running;
  let engineer: charterV1.CharterServiceClient;

  beforeAll(async () => {
    fx = await sqliteStore();
    dataops = await dataopsOverGrpc(fx.store);
    // The catalog as connectivity fills it: two pumps with their six tags (no mill, no packer).
    const actor = { subject: 'connectivity', role: 'service' };
    for (const pump of ['pump-1', 'pump-2'])
      for (const tag of PUMP_TAGS)
        await dataops.dataops.upsertTagMetadata(
          { assetPath: `${LINE}.${pump}`, tag, unit: null, dataType: 'number', samplingIntervalMs: 1000, aggregation: 'last' },
          actor,
        );
    const token = await dataops.serviceToken();
    source = dataopsGrpcSource({ address: dataops.address, token: () => token });
    const reader = dataopsReader(source, { now: () => Date.now(), qualityWindowMs: 86_400_000 });
    svc = await startCharter(fx.store, { catalog: reader, historian: reader });
    engineer = svc.client(await svc.token('engineer', 'erik@plant-1'));
  }, 60_000);

  afterAll(async () => {
    await svc?.close();
    source?.close();
    await dataops?.close();
    await fx?.cleanup();
  });

  async function drafted(): Promise<string> {
    const file = demo();
    const useCaseId = randomUUID();
    await unaryCall(engineer, engineer.draftUseCase, charterV1.DraftUseCaseRequest.fromPartial({ useCaseId, useCase: file.draft as never }));
    return useCaseId;
  }
  const define = (useCaseId: string, spec: unknown) =>
    unaryCall(engineer, engineer.defineServingSpec, { useCaseId, specJson: typeof spec === 'string' ? spec : JSON.stringify(spec) });
  const servingEvents = async (useCaseId: string) => (await fx.store.readStream(`usecase-${useCaseId}`)).filter((e) => e.type === 'UseCaseServingSpecDefined');

  it('records the demo pump spec from its data file, nothing for the same content, and a new version for a revision', async () => {
    const useCaseId = await drafted();
    const first = await define(useCaseId, demo().serving);
    expect(first).toMatchObject({ specVersion: 1, changed: true });
    expect(await define(useCaseId, demo().serving)).toMatchObject({ specVersion: 1, changed: false, revision: first.revision });

    const revised = demo().serving;
    revised.failureModes[0]!.action.text = 'check the {asset} bearing temperature by hand';
    const second = await define(useCaseId, revised);
    expect(second).toMatchObject({ specVersion: 2, changed: true });

    const events = await servingEvents(useCaseId);
    expect(events.map((e) => (e.data as { specVersion: number }).specVersion)).toEqual([1, 2]);
    const got = await unaryCall(engineer, engineer.getUseCase, { useCaseId });
    expect(got.servingSpecVersion).toBe(2);
    expect(JSON.parse(got.servingSpecJson).failureModes[0].action.text).toBe('check the {asset} bearing temperature by hand');
  });

  it('refuses every bad input with the field and the reason, and writes nothing', async () => {
    const useCaseId = await drafted();
    const cases: { change: (s: UseCaseFile['serving']) => unknown; field: string; says: RegExp }[] = [
      { change: (s) => ({ ...s, assetKind: 'turbine' }), field: 'spec_json.asset_kind', says: /unknown asset kind "turbine".*known: pump/ },
      {
        change: (s) => ({ ...s, evidence: [{ ...(s.evidence as object[])[0], tag: 'oil_pressure' }] }),
        field: 'spec_json.evidence[0].tag',
        says: /tag "oil_pressure" is missing from the catalog/,
      },
      {
        change: (s) => {
          const { deadlineMinutes: _, ...action } = s.failureModes[0]!.action;
          return { ...s, failureModes: [{ ...s.failureModes[0], action }] };
        },
        field: 'spec_json.failure_modes[0].action.deadline_minutes',
        says: /./,
      },
      { change: (s) => ({ ...s, task: { ...s.task, horizonMinutes: 0 } }), field: 'spec_json.task.horizon_minutes', says: /1/ },
      { change: (s) => ({ ...s, task: { ...s.task, failureMode: 'cavitation' } }), field: 'spec_json.task.failure_mode', says: /not one of the failure modes/ },
      { change: (s) => ({ ...s, scope: { pathPrefix: 'acme.plant-9', assetPrefix: 'pump-' } }), field: 'spec_json.asset_kind', says: /under acme\.plant-9/ },
      { change: () => '{"name":', field: 'spec_json', says: /not JSON/ },
    ];
    for (const c of cases) {
      const details = await expectRefused(define(useCaseId, c.change(demo().serving)), grpc.status.INVALID_ARGUMENT, c.field);
      expect(details).toMatch(c.says);
    }
    expect(await servingEvents(useCaseId)).toEqual([]);
    // A use case nobody drafted: NOT_FOUND, nothing written.
    await expectRefused(define(randomUUID(), demo().serving), grpc.status.NOT_FOUND, 'use_case_id');
  });
});
