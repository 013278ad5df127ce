import { describe, expect, it } from 'vitest';
import { ContractViolationError, UnknownContractError } from '../src/errors.ts';
import { z } from 'zod';
import { Service, StreamFamily, createContractRegistry, defineContract, streamFamilyOf, streamFamilyOwners } from '../src/contract.ts';
import { eventExamples, legacyEventExamples } from '../src/examples.ts';
import {
  eventContracts,
  eventValidator,
  getContract,
  isEventType,
  latestVersion,
  listContracts,
  parseEvent,
  streamFor,
  type EventType,
} from '../src/registry.ts';

const types = Object.keys(eventContracts) as EventType[];
const clone = <T>(value: T): T => structuredClone(value);

/** Example data for any registered (type, version). */
function exampleFor(type: string, version: number): unknown {
  if (version === latestVersion(type as EventType)) return eventExamples[type as EventType];
  return (legacyEventExamples as Record<string, Record<number, unknown>>)[type]?.[version];
}

describe('the registry', () => {
  it('holds every event type the platform emits', () => {
    const required = [
      'AccessDenied',
      'TokenIssued',
      'SigningKeyRotated',
      'UseCaseDrafted',
      'ObjectiveSet',
      'CostModelSet',
      'ActionCatalogued',
      'FeasibilityAssessed',
      'UseCaseApproved',
      'KpiMeasured',
      'SourceRegistered',
      'TagMapped',
      'SourceConnected',
      'SourceLost',
      'BufferOverflowed',
      'SparkplugRebirthRequested',
      'DatasetSnapshotCreated',
      'LabelRecorded',
      'DataQualityIssueRaised',
      'DataQualityIssueCleared',
      'RestrictedDataRead',
      'TrainingRunStarted',
      'TrainingRunProgressed',
      'TrainingRunCompleted',
      'TrainingRunFailed',
      'ModelVersionRegistered',
      'RetrainingTriggered',
      'RetrainingSnapshotTaken',
      'RetrainingCandidateRegistered',
      'RetrainingRefused',
      'ModelApprovalRequested',
      'ModelApproved',
      'ModelRejected',
      'ModelPromoted',
      'ModelRolledBack',
      'ModelGatesSet',
      'ModelRollbackProposed',
      'ChainAnchored',
      'RecommendationRaised',
      'RecommendationAcknowledged',
      'RecommendationAccepted',
      'RecommendationRejected',
      'RecommendationOverridden',
      'OutcomeRecorded',
      'ProblemReported',
      'AssetModeChanged',
      'DriftDetected',
      'RetrainingRequested',
      'ModelRefused',
      'ShadowPromptCompared',
      'ShadowWindowsCompared',
      'RecommendationShelved',
      'RecommendationUnshelved',
      'FaultInjected',
      'FaultLabelled',
      'UseCaseServingSpecDefined',
      'OutboundActionSucceeded',
      'OutboundActionFailed',
      'OutboundActionReplayed',
      'WorkOrderCompleted',
      'PromptEscalated',
      'NotificationSuppressed',
      'ImageCaptured',
      'ImageRejected',
      'ImageRegionLabelled',
      'BoardInspected',
      'BoardVerdictGiven',
    ];
    expect(types.sort()).toEqual(required.sort());
  });

  it('names every type in PascalCase and the past tense', () => {
    // regular past tense, plus the irregular participles actually used
    const pastTense = /^[A-Z][A-Za-z]*(ed|en|Set|Lost|Read)(Back|Up|Out)?$/;
    for (const type of types) expect(type, type).toMatch(pastTense);
  });

  it('lists one entry per (type, version), exactly one of them latest per type', () => {
    const entries = listContracts();
    for (const type of types) {
      const own = entries.filter((e) => e.type === type);
      expect(own.map((e) => e.schemaVersion)).toEqual(Array.from({ length: latestVersion(type) }, (_, i) => i + 1));
      expect(own.filter((e) => e.latest)).toHaveLength(1);
      expect(own[0]?.description).not.toMatch(/\n/);
    }
  });

  it('describes a version by its owner, stream family and what changed', () => {
    expect(getContract('AccessDenied', 2)).toMatchObject({
      type: 'AccessDenied',
      schemaVersion: 2,
      latest: true,
      service: 'access',
      streamFamily: 'access-',
      changeNote: expect.stringContaining('transport'),
    });
    expect(getContract('AccessDenied', 1)?.latest).toBe(false);
    expect(getContract('AccessDenied', 3)).toBeUndefined();
    expect(getContract('Nope', 1)).toBeUndefined();
  });

  it('names streams after the family of the type', () => {
    expect(streamFor('SourceLost', 'abc')).toBe('source-abc');
    expect(streamFor('AssetModeChanged', 'acme.plant1.packaging.line-1.filler-3')).toBe('asset-acme.plant1.packaging.line-1.filler-3');
    expect(streamFor('TrainingRunStarted', 'r1')).toBe('training-run-r1');
  });

  it('recognises registered types only (not inherited object keys)', () => {
    expect(isEventType('ModelPromoted')).toBe(true);
    expect(isEventType('toString')).toBe(false);
    expect(() => latestVersion('Nope' as EventType)).toThrow(UnknownContractError);
  });
});

describe('every registered contract', () => {
  for (const entry of listContracts()) {
    it(`accepts its example: ${entry.type} v${entry.schemaVersion}`, () => {
      const example = exampleFor(entry.type, entry.schemaVersion);
      expect(example, 'missing example').toBeDefined();
      expect(eventValidator.validate(entry.type, entry.schemaVersion, example)).toBeNull();
    });

    it(`refuses unknown fields: ${entry.type} v${entry.schemaVersion}`, () => {
      const example = { ...(exampleFor(entry.type, entry.schemaVersion) as object), surprise: 1 };
      expect(eventValidator.validate(entry.type, entry.schemaVersion, example)).toEqual({
        path: 'surprise',
        reason: 'is not a field of this contract',
      });
    });
  }

  it('has no examples for types or versions that are not registered', () => {
    expect(Object.keys(eventExamples).sort()).toEqual([...types].sort());
    for (const [type, versions] of Object.entries(legacyEventExamples)) {
      for (const version of Object.keys(versions)) {
        expect(getContract(type, Number(version))?.latest, `${type} v${version}`).toBe(false);
      }
    }
  });
});

describe('when data breaks a contract', () => {
  const cases: { name: string; type: EventType; mutate: (d: Record<string, any>) => void; path: string; reason: RegExp }[] = [
    {
      name: 'a KPI baseline is not finite',
      type: 'ObjectiveSet',
      mutate: (d) => (d.kpis[0].baseline = Number.POSITIVE_INFINITY),
      path: 'kpis[0].baseline',
      reason: /finite number/,
    },
    {
      name: 'a KPI target does not improve on the baseline',
      type: 'ObjectiveSet',
      mutate: (d) => (d.kpis[0].target = 3),
      path: 'kpis[0].target',
      reason: /improve on the baseline/,
    },
    { name: 'an id is not a UUID', type: 'UseCaseDrafted', mutate: (d) => (d.useCaseId = 'uc-1'), path: 'useCaseId', reason: /UUID/ },
    { name: 'a timestamp has no offset', type: 'SourceLost', mutate: (d) => (d.lostAt = '2025-03-03T05:58:40'), path: 'lostAt', reason: /offset/ },
    { name: 'a required field is missing', type: 'AccessDenied', mutate: (d) => delete d.permission, path: 'permission', reason: /^is required$/ },
    { name: 'a role is not a platform role', type: 'AccessDenied', mutate: (d) => (d.role = 'superuser'), path: 'role', reason: /one of "operator"/ },
    { name: 'a scope token has capitals', type: 'AccessDenied', mutate: (d) => (d.resource.site = 'Plant1'), path: 'resource.site', reason: /lowercase/ },
    { name: 'a token would be recorded', type: 'TokenIssued', mutate: (d) => (d.token = 'eyJhbGciOi...'), path: 'token', reason: /not a field/ },
    {
      name: 'a token expires before it is issued',
      type: 'TokenIssued',
      mutate: (d) => (d.expiresAt = '2025-03-03T05:00:00Z'),
      path: 'expiresAt',
      reason: /after issuedAt/,
    },
    { name: 'a sample count is fractional', type: 'BufferOverflowed', mutate: (d) => (d.droppedSamples = 1.5), path: 'droppedSamples', reason: /whole number/ },
    { name: 'a probability exceeds 1', type: 'RecommendationRaised', mutate: (d) => (d.score = 1.2), path: 'score', reason: /at most 1/ },
    { name: 'an operator message is blank', type: 'RecommendationRaised', mutate: (d) => (d.message = '   '), path: 'message', reason: /blank/ },
    {
      name: 'a rejection says "other" without a note',
      type: 'RecommendationRejected',
      mutate: (d) => {
        d.reason = 'other';
        delete d.note;
      },
      path: 'note',
      reason: /required when/,
    },
    {
      name: 'a window ends before it starts',
      type: 'LabelRecorded',
      mutate: (d) => (d.window.to = '2025-02-11T08:00:00+01:00'),
      path: 'window.to',
      reason: /after "from"/,
    },
    {
      name: 'a metric is not a number',
      type: 'TrainingRunCompleted',
      mutate: (d) => (d.metrics.recall = 'high'),
      path: 'metrics.recall',
      reason: /must be a number/,
    },
    { name: 'a hash is not sha256 hex', type: 'DatasetSnapshotCreated', mutate: (d) => (d.contentHash = 'abc'), path: 'contentHash', reason: /sha256/ },
    {
      name: 'an asset path misses a level',
      type: 'FaultLabelled',
      mutate: (d) => (d.assetPath = 'acme.plant1.packaging.filler-3'),
      path: 'assetPath',
      reason: /enterprise\.site\.area\.line\.asset/,
    },
    {
      name: 'a failure precedes the fault start',
      type: 'FaultLabelled',
      mutate: (d) => (d.failureAt = '2025-03-10T07:00:00Z'),
      path: 'failureAt',
      reason: /not be before startedAt/,
    },
    { name: 'a mode change changes nothing', type: 'AssetModeChanged', mutate: (d) => (d.to = d.from), path: 'to', reason: /differ/ },
    { name: 'a drift retraining names no drift', type: 'RetrainingRequested', mutate: (d) => (d.driftId = null), path: 'driftId', reason: /required when/ },
    {
      name: 'an explanation entry has an unknown field',
      type: 'RecommendationRaised',
      mutate: (d) => (d.explanation[1].weight = 2),
      path: 'explanation[1].weight',
      reason: /not a field/,
    },
  ];

  for (const c of cases) {
    it(`points at ${c.path} when ${c.name} (${c.type})`, () => {
      const data = clone(eventExamples[c.type]) as Record<string, any>;
      c.mutate(data);
      const failure = eventValidator.validate(c.type, latestVersion(c.type), data);
      expect(failure?.path).toBe(c.path);
      expect(failure?.reason).toMatch(c.reason);
    });
  }

  it('refuses data that is not an object, at the root path', () => {
    expect(eventValidator.validate('SourceLost', 1, null)).toEqual({ path: '', reason: 'must be an object (got null)' });
    expect(eventValidator.validate('SourceLost', 1, 'x')).toEqual({ path: '', reason: 'must be an object (got "x")' });
  });
});

describe('when the type or version is not registered', () => {
  it('names the unknown type, at the root path', () => {
    expect(eventValidator.validate('PumpExploded', 1, {})).toEqual({ path: '', reason: 'unknown event type "PumpExploded"' });
  });

  it('names the supported versions', () => {
    expect(eventValidator.validate('AccessDenied', 3, {})).toEqual({
      path: '',
      reason: 'unsupported schemaVersion 3 of "AccessDenied"; supported versions: 1, 2',
    });
    expect(eventValidator.validate('SourceLost', 0, {})?.reason).toMatch(/supported versions: 1$/);
    expect(eventValidator.validate('SourceLost', 1.5, {})?.reason).toMatch(/unsupported schemaVersion 1\.5/);
  });
});

describe('parseEvent', () => {
  it('returns the data typed at the latest version', () => {
    const data = parseEvent('ObjectiveSet', 1, eventExamples.ObjectiveSet);
    const baseline: number = data.kpis[0]!.baseline;
    expect(baseline).toBe(2.1);
  });

  it('throws a ContractViolationError with code, field and reason', () => {
    const bad = clone(eventExamples.ObjectiveSet);
    bad.kpis[0]!.baseline = Number.NaN;
    let caught: unknown;
    try {
      parseEvent('ObjectiveSet', 1, bad);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ContractViolationError);
    expect(caught).toMatchObject({
      name: 'ContractViolationError',
      code: 'CONTRACT_VIOLATION',
      field: 'kpis[0].baseline',
      reason: 'must be a finite number (got NaN)',
      contract: 'ObjectiveSet',
      schemaVersion: 1,
    });
    expect((caught as Error).message).toBe('ObjectiveSet v1: kpis[0].baseline must be a finite number (got NaN)');
  });

  it('reports every problem in details, the first as field', () => {
    const bad = { ...clone(eventExamples.SourceLost), sourceId: 'x', retryInMs: -1 };
    expect(() => parseEvent('SourceLost', 1, bad)).toThrow(
      expect.objectContaining({ field: 'sourceId', details: [expect.objectContaining({ path: 'sourceId' }), expect.objectContaining({ path: 'retryInMs' })] }),
    );
  });

  it('throws for an unknown type or version', () => {
    expect(() => parseEvent('Nope' as EventType, 1, {})).toThrow(
      expect.objectContaining({ code: 'CONTRACT_VIOLATION', field: '', reason: 'unknown event type "Nope"' }),
    );
    expect(() => parseEvent('AccessDenied', 9, {})).toThrow(/supported versions: 1, 2/);
  });
});

describe('stream ownership (ADR 0003)', () => {
  it('gives every stream family exactly one writing service and every event type a family its owner writes', () => {
    for (const entry of listContracts()) {
      const owner = streamFamilyOwners[entry.streamFamily];
      expect([entry.service, 'access'], `${entry.type} in ${entry.streamFamily}`).toContain(owner);
    }
    expect(streamFamilyOwners['model-']).toBe('governance');
    expect(getContract('ModelVersionRegistered', 1)?.service).toBe('governance');
  });

  it('finds the family of a stream by its longest prefix', () => {
    expect(streamFamilyOf('training-run-0190')).toBe('training-run-');
    expect(streamFamilyOf('model-42')).toBe('model-');
    expect(streamFamilyOf('label-acme.p1.a.l.pump-1')).toBe('label-');
    expect(streamFamilyOf('model-')).toBeNull();
    expect(streamFamilyOf('pump-1')).toBeNull();
  });

  it('refuses a registry whose event type is written into a family another service owns', () => {
    expect(() =>
      createContractRegistry({
        Foreign: defineContract({
          service: Service.Training,
          streamFamily: StreamFamily.Model,
          description: 'x.',
          versions: [z.strictObject({})],
          upcasters: [],
        }),
      }),
    ).toThrow(/owned by training but its stream family "model-" is written by governance only/);
  });
});
