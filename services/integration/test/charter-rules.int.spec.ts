// Action rules from the charter's use-case serving spec (issue #21): the integration app reads the
// UseCaseServingSpecDefined events of the shared event store; a prompt of a use case whose spec
// has an `outbound` work-order rule makes one work order, a prompt of another use case none, and
// a revision of the spec without the rule stops it. The setup file names only the connector.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeySet, importKeySet } from '@industrial/access';
import { eventExamples, type UseCaseServingSpecData } from '@industrial/contracts';
import { createKernel, serviceCause } from '@industrial/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntegrationApp, type IntegrationApp } from '../src/app.ts';
import { IntegrationSetup } from '../src/domain/setup.ts';
import { startFakeMaintainx, type FakeMaintainx } from './fakes.ts';
import { raised, sqliteFixture, type StoreFixture } from './fixture.ts';

const silent = { warn: () => undefined, error: () => undefined, info: () => undefined };
const USE_CASE = randomUUID();
const OTHER = randomUUID();
let fx: StoreFixture;
let cmms: FakeMaintainx;
let app: IntegrationApp;
let dir = '';

async function defineSpec(version: number, outbound: UseCaseServingSpecData['outbound']): Promise<void> {
  const charter = createKernel({ service: 'charter', store: fx.store });
  const spec = { ...eventExamples.UseCaseServingSpecDefined.spec, ...(outbound === undefined ? {} : { outbound }) };
  await charter.append(
    `usecase-${USE_CASE}`,
    [{ type: 'UseCaseServingSpecDefined', data: { useCaseId: USE_CASE, specVersion: version, spec } }],
    serviceCause('charter', randomUUID()),
  );
}

beforeAll(async () => {
  fx = await sqliteFixture();
  cmms = await startFakeMaintainx();
  dir = mkdtempSync(join(tmpdir(), 'integration-charter-'));
  writeFileSync(join(dir, 'mx.key'), 'test-key');
  app = createIntegrationApp({
    kernel: fx.kernel,
    bus: null,
    keySet: await importKeySet((await createKeySet({ now: new Date() })).keySet),
    logger: silent,
    setup: IntegrationSetup.parse({
      rules: [],
      // the fake answers at once: a 500 ms timeout could only trip on a loaded machine (a stalled event loop) and change the attempts and reasons checked here
      connectors: { maintainx: { type: 'maintainx', baseUrl: `${cmms.url}/v1`, apiKeyFile: join(dir, 'mx.key'), timeoutMs: 10_000 } },
      retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
    }),
    config: { http: { host: '127.0.0.1', port: 0 }, access: { issuer: 'industrial-access', audience: 'industrial-platform' }, syncIntervalMs: 60_000 },
    inference: null,
  });
  await app.start();
}, 30_000);

afterAll(async () => {
  await app?.stop();
  await cmms?.close();
  await fx?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('when a use case’s serving spec carries an outbound work-order rule', () => {
  it('its prompts make one work order each, other use cases’ none, and a revision without the rule stops it', async () => {
    await defineSpec(1, [{ ruleId: 'cmms-wo', on: 'raised', kind: 'work-order', connector: 'maintainx', priorities: ['high', 'critical'] }]);
    const first = raised({ useCaseId: USE_CASE, priority: 'high' });
    await app.events.handle(first);
    await app.events.handle(first); // redelivered: still one
    await app.events.handle(raised({ useCaseId: USE_CASE, priority: 'low' })); // below the rule's priorities
    await app.events.handle(raised({ useCaseId: OTHER, priority: 'critical' })); // another use case: no rule
    expect(cmms.orders).toHaveLength(1);
    await app.ledger.refresh();
    expect(app.ledger.list()).toEqual([
      expect.objectContaining({ recommendationId: (first.data as { recommendationId: string }).recommendationId, ruleId: 'cmms-wo', status: 'succeeded' }),
    ]);

    await defineSpec(2, undefined);
    await app.events.handle(raised({ useCaseId: USE_CASE, priority: 'critical' }));
    expect(cmms.orders).toHaveLength(1);
  });
});
