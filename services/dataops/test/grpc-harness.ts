// A dataops app behind its real gRPC server, with real access tokens, for the gRPC specs: the app
// over a store from `factory` and a fresh event store, clients per role (and scopes), and a status
// check of a refused call.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { createKeySet, importKeySet, importSigningKey, issueToken, type Role } from '@industrial/access';
import { createInProcBus } from '@industrial/bus';
import type { EventStore } from '@industrial/eventstore';
import { createClient, dataopsV1 } from '@industrial/grpc';
import { expect } from 'vitest';
import { createDataopsGrpcServer } from '../src/adapters/grpc/server.ts';
import { createDataopsApp, DEFAULT_CONFIG, type DataopsApp, type DataopsConfig } from '../src/app.ts';
import { silentLogger, testEventStore, type StoreFactory, type StoreHarness } from './harness.ts';

const ISSUER = 'industrial-access';
const AUDIENCE = 'industrial-platform';
const silent = { debug() {}, info() {}, warn() {}, error() {} };

export interface GrpcHarness {
  h: StoreHarness;
  events: EventStore;
  app: DataopsApp;
  address: string;
  /** A client with a token of `role` (scopes: everything unless given). */
  client(role: Role, scopes?: string[]): Promise<dataopsV1.DataOpsServiceClient>;
  /** A bearer token of `role` (for clients the test starts itself, e.g. a CLI child process). */
  token(role: Role, scopes?: string[]): Promise<string>;
  close(): Promise<void>;
}

export async function startGrpcHarness(factory: StoreFactory, appConfig: Partial<DataopsConfig> = {}): Promise<GrpcHarness> {
  const h = await factory(1000);
  const events = await testEventStore();
  const dir = mkdtempSync(join(tmpdir(), 'dataops-grpc-'));
  const material = await createKeySet({ now: new Date() });
  const signingKey = await importSigningKey(material.signingKey);
  const keySet = await importKeySet(material.keySet);
  const app = createDataopsApp({
    store: events,
    data: h.store,
    bus: createInProcBus(),
    keySet,
    logger: silentLogger,
    config: { ...DEFAULT_CONFIG, events: null, snapshotDir: dir, codeVersion: 'test-1', ...appConfig },
  });
  const server = createDataopsGrpcServer({ app, store: events, keySet, access: { issuer: ISSUER, audience: AUDIENCE }, logger: silent });
  const address = `127.0.0.1:${await server.listen()}`;
  const clients: grpc.Client[] = [];
  const token = (role: Role, scopes: string[] = ['*']): Promise<string> =>
    issueToken(signingKey, {
      subject: `${role}-1`,
      roles: [role],
      scopes,
      tokenId: randomUUID(),
      issuer: ISSUER,
      audience: AUDIENCE,
      now: new Date(),
      ttlSeconds: 600,
    });
  return {
    h,
    events,
    app,
    address,
    async client(role, scopes = ['*']) {
      const c = createClient(dataopsV1.DataOpsServiceClient, address, { token: await token(role, scopes), deadlineMs: 20_000 });
      clients.push(c);
      return c;
    },
    token,
    async close() {
      for (const c of clients) c.close();
      await server.shutdown({ graceMs: 1000 });
      await events.close();
      await h.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The error of a call expected to fail with `code`. */
export async function expectStatus(p: Promise<unknown>, code: status): Promise<grpc.ServiceError> {
  const error = await p.then(
    () => null,
    (e: unknown) => e as grpc.ServiceError,
  );
  expect(error, `expected ${status[code]}`).not.toBeNull();
  expect(status[error!.code], error!.details).toBe(status[code]);
  return error!;
}

/** A CreateDatasetSnapshot request from an import: chronological split by `cycle`, 60/20/20, defaults elsewhere. */
export const snapshotOfImport = (
  datasetId: string,
  useCaseId: string,
  importId: string,
  over: Partial<dataopsV1.CreateDatasetSnapshotRequest> = {},
): dataopsV1.CreateDatasetSnapshotRequest => ({
  datasetId,
  useCaseId,
  importId,
  historian: undefined,
  historianWindows: undefined,
  splitStratifyBy: '',
  splitKind: 'chronological',
  splitBy: 'cycle',
  splitOrderBy: '',
  trainFraction: 0.6,
  validationFraction: 0.2,
  format: '',
  featureSetVersion: '',
  accessLevel: '',
  assetPath: '',
  ...over,
});
