// Test fixture: a real SQLite event store and the integration kernel, and integration events shaped
// as the relay publishes them (built from the contract examples).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventExamples, eventValidator, type IntegrationEvent } from '@industrial/contracts';
import { generateLedgerKeyPem, ledgerKeyFromPem, openSqliteEventStore, type EventStore } from '@industrial/eventstore';
import { createKernel, type Kernel } from '@industrial/kernel';

export interface StoreFixture {
  store: EventStore;
  kernel: Kernel;
  cleanup(): Promise<void>;
}

export async function sqliteFixture(): Promise<StoreFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'integration-'));
  const store = await openSqliteEventStore({
    path: join(dir, 'events.db'),
    ledgerKey: ledgerKeyFromPem(generateLedgerKeyPem().privateKeyPem),
    validator: eventValidator,
  });
  return {
    store,
    kernel: createKernel({ service: 'integration', store }),
    async cleanup() {
      await store.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let position = 1;
const context = (recommendationId: string, useCaseId: string, assetPath: string) => ({
  useCaseId,
  assetPath,
  modelVersionId: null,
  source: 'rules' as const,
  featureWindow: { from: '2025-03-05T10:00:00Z', to: '2025-03-05T10:05:00Z' },
  explanation: [],
  traceId: null,
  recommendationId,
});

function envelope(type: string, stream: string, data: unknown, actor = 'svc:inference'): IntegrationEvent {
  return {
    id: randomUUID(),
    type,
    stream,
    revision: 0,
    position: position++,
    data,
    metadata: {
      actor,
      role: 'service',
      correlationId: randomUUID(),
      causationId: null,
      traceparent: null,
      schemaVersion: 1,
      recordedAt: new Date().toISOString(),
    },
    prevHash: '0'.repeat(64),
    hash: 'a'.repeat(64),
  } as unknown as IntegrationEvent;
}

export interface PromptSpec {
  recommendationId?: string;
  useCaseId?: string;
  assetPath?: string;
  message?: string;
  priority?: 'low' | 'medium' | 'high' | 'critical';
}

export function raised(p: PromptSpec = {}): IntegrationEvent {
  const ex = eventExamples.RecommendationRaised;
  const recommendationId = p.recommendationId ?? randomUUID();
  return envelope('RecommendationRaised', `recommendation-${recommendationId}`, {
    ...ex,
    recommendationId,
    useCaseId: p.useCaseId ?? ex.useCaseId,
    assetPath: p.assetPath ?? ex.assetPath,
    message: p.message ?? ex.message,
    priority: p.priority ?? ex.priority,
    mode: 'production',
  });
}

export function acknowledged(recommendationId: string, useCaseId: string, assetPath: string, actor = 'olga@plant1'): IntegrationEvent {
  const c = context(recommendationId, useCaseId, assetPath);
  const { recommendationId: _r, ...ctx } = c;
  return envelope(
    'RecommendationAcknowledged',
    `recommendation-${recommendationId}`,
    { recommendationId, acknowledgedAt: new Date().toISOString(), context: ctx },
    actor,
  );
}

export function accepted(recommendationId: string, useCaseId: string, assetPath: string, actionId: string): IntegrationEvent {
  const { recommendationId: _r, ...ctx } = context(recommendationId, useCaseId, assetPath);
  return envelope('RecommendationAccepted', `recommendation-${recommendationId}`, {
    recommendationId,
    actionId,
    doneAt: new Date().toISOString(),
    context: ctx,
  });
}

/** An operator shelved the prompt (ISA-18.2) at `shelvedAt` until `until`, as inference records it. */
export function shelved(recommendationId: string, useCaseId: string, assetPath: string, shelvedAt: Date, until: Date): IntegrationEvent {
  const { recommendationId: _r, ...ctx } = context(recommendationId, useCaseId, assetPath);
  return envelope(
    'RecommendationShelved',
    `recommendation-${recommendationId}`,
    {
      recommendationId,
      shelvedAt: shelvedAt.toISOString(),
      until: until.toISOString(),
      durationSeconds: Math.round((until.getTime() - shelvedAt.getTime()) / 1000),
      endOfShift: false,
      reason: 'Maintenance is on the pump right now.',
      context: ctx,
    },
    'olga@plant1',
  );
}

/** Someone put the shelved prompt back at `at`. */
export function unshelved(recommendationId: string, useCaseId: string, assetPath: string, at: Date): IntegrationEvent {
  const { recommendationId: _r, ...ctx } = context(recommendationId, useCaseId, assetPath);
  return envelope(
    'RecommendationUnshelved',
    `recommendation-${recommendationId}`,
    { recommendationId, unshelvedAt: at.toISOString(), context: ctx },
    'olga@plant1',
  );
}
