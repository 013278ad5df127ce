import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Service, StreamFamily, createContractRegistry, defineContract } from '../src/contract.ts';
import { ContractViolationError, InvalidRegistryError } from '../src/errors.ts';
import { eventExamples, legacyEventExamples } from '../src/examples.ts';
import { eventValidator, latestVersion, parseEvent, upcast } from '../src/registry.ts';

describe('when an AccessDenied v1 event is read', () => {
  const v1 = legacyEventExamples.AccessDenied[1];
  const asV2 = { ...v1, transport: 'unknown', detail: 'missing-permission', roles: ['operator'] };

  it('is valid at v1 and not at v2 (v2 needs transport, detail and roles)', () => {
    expect(eventValidator.validate('AccessDenied', 1, v1)).toBeNull();
    expect(eventValidator.validate('AccessDenied', 2, v1)).toEqual({ path: 'transport', reason: 'is required' });
  });

  it('comes out at the latest version with transport "unknown", roles [role] and the reason code as detail', () => {
    expect(latestVersion('AccessDenied')).toBe(2);
    const latest = parseEvent('AccessDenied', 1, v1);
    expect(latest).toEqual(asV2);
    expect(upcast('AccessDenied', 1, v1)).toEqual(latest);
  });

  it('leaves the stored v1 data untouched', () => {
    const stored = structuredClone(v1);
    parseEvent('AccessDenied', 1, stored);
    expect(stored).toEqual(v1);
  });

  it('still refuses v1 data that was never valid, naming the field', () => {
    expect(() => parseEvent('AccessDenied', 1, { ...v1, role: 'root' })).toThrow(expect.objectContaining({ field: 'role', schemaVersion: 1 }));
    // v1 could not record an unauthenticated caller, nor the codes added in v2
    expect(() => parseEvent('AccessDenied', 1, { ...v1, actor: 'anonymous', role: 'none' })).toThrow(expect.objectContaining({ field: 'role' }));
    expect(() => parseEvent('AccessDenied', 1, { ...v1, reason: 'key-retired' })).toThrow(expect.objectContaining({ field: 'reason' }));
    // a v1 event cannot smuggle v2 fields: strict objects
    expect(() => parseEvent('AccessDenied', 1, { ...v1, transport: 'grpc' })).toThrow(expect.objectContaining({ field: 'transport' }));
  });
});

describe('when an AccessDenied v2 event records an unauthenticated caller', () => {
  const anonymous = {
    actor: 'anonymous',
    role: 'none',
    roles: [],
    permission: 'audit.read',
    resource: {},
    service: 'governance',
    method: '/industrial.governance.v1.AuditService/ReadAll',
    reason: 'no-token',
    detail: 'no bearer token was presented',
    transport: 'grpc',
  };

  it('is valid with role "none", no roles and actor "anonymous"', () => {
    expect(eventValidator.validate('AccessDenied', 2, anonymous)).toBeNull();
    for (const reason of ['token-expired', 'token-not-yet-valid', 'token-invalid', 'key-unknown', 'key-retired']) {
      expect(eventValidator.validate('AccessDenied', 2, { ...anonymous, reason }), reason).toBeNull();
    }
  });

  it('refuses role "none" for a named actor or with roles', () => {
    expect(eventValidator.validate('AccessDenied', 2, { ...anonymous, actor: 'olga@plant1' })?.path).toBe('actor');
    expect(eventValidator.validate('AccessDenied', 2, { ...anonymous, roles: ['operator'] })?.path).toBe('roles');
  });

  it('refuses a role that is not among the roles, and a detail over 500 characters', () => {
    const known = { ...eventExamples.AccessDenied, reason: 'unknown-resource' };
    expect(eventValidator.validate('AccessDenied', 2, known)).toBeNull();
    expect(eventValidator.validate('AccessDenied', 2, { ...known, roles: ['engineer'] })).toEqual({ path: 'roles', reason: 'must include role "operator"' });
    expect(eventValidator.validate('AccessDenied', 2, { ...known, detail: 'x'.repeat(501) })?.path).toBe('detail');
  });
});

describe('when an event is already at the latest version', () => {
  it('passes through unchanged', () => {
    expect(parseEvent('AccessDenied', 2, eventExamples.AccessDenied)).toEqual(eventExamples.AccessDenied);
    expect(upcast('SourceLost', 1, eventExamples.SourceLost)).toEqual(eventExamples.SourceLost);
  });
});

describe('an upcaster chain over three versions', () => {
  // Pump speed: v1 in rpm as "speed"; v2 renamed to speedRpm; v3 adds the unit system explicitly.
  const V1 = z.strictObject({ pumpId: z.string(), speed: z.number() });
  const V2 = z.strictObject({ pumpId: z.string(), speedRpm: z.number() });
  const V3 = z.strictObject({ pumpId: z.string(), speedRpm: z.number(), measuredBy: z.enum(['drive', 'encoder', 'unknown']) });
  const steps: string[] = [];
  const registry = createContractRegistry({
    PumpSpeedRecorded: defineContract({
      service: Service.Inference,
      streamFamily: StreamFamily.Asset,
      description: 'A pump speed was recorded.',
      versions: [V1, V2, V3],
      upcasters: [
        { note: 'renames speed to speedRpm', up: (d) => (steps.push('1→2'), { pumpId: d.pumpId, speedRpm: d.speed }) },
        { note: 'adds measuredBy, "unknown" for old events', up: (d) => (steps.push('2→3'), { ...d, measuredBy: 'unknown' as const }) },
      ],
    }),
  });

  it('reads a v1 event as v3 through every step, in order', () => {
    steps.length = 0;
    expect(registry.parseEvent('PumpSpeedRecorded', 1, { pumpId: 'p1', speed: 1450 })).toEqual({
      pumpId: 'p1',
      speedRpm: 1450,
      measuredBy: 'unknown',
    });
    expect(steps).toEqual(['1→2', '2→3']);
  });

  it('starts a v2 event at the second step', () => {
    steps.length = 0;
    expect(registry.upcast('PumpSpeedRecorded', 2, { pumpId: 'p1', speedRpm: 900 })).toEqual({ pumpId: 'p1', speedRpm: 900, measuredBy: 'unknown' });
    expect(steps).toEqual(['2→3']);
  });

  it('records the change notes per version', () => {
    expect(registry.listContracts().map((e) => [e.schemaVersion, e.changeNote])).toEqual([
      [1, null],
      [2, 'renames speed to speedRpm'],
      [3, 'adds measuredBy, "unknown" for old events'],
    ]);
  });

  it('catches an upcaster that produces invalid data, naming the step', () => {
    const broken = createContractRegistry({
      PumpSpeedRecorded: defineContract({
        service: Service.Inference,
        streamFamily: StreamFamily.Asset,
        description: 'A pump speed was recorded.',
        versions: [V1, V2],
        // a bug the types cannot see: NaN is a number, but not a finite one
        upcasters: [{ note: 'buggy', up: (d) => ({ pumpId: d.pumpId, speedRpm: d.speed / 0 - d.speed / 0 }) }],
      }),
    });
    expect(() => broken.upcast('PumpSpeedRecorded', 1, { pumpId: 'p1', speed: 10 })).toThrow(ContractViolationError);
    expect(() => broken.upcast('PumpSpeedRecorded', 1, { pumpId: 'p1', speed: 10 })).toThrow(
      expect.objectContaining({ field: 'speedRpm', schemaVersion: 2, reason: expect.stringContaining('upcaster from v1 to v2') }),
    );
  });
});

describe('when a contract definition is inconsistent', () => {
  it('refuses a missing upcaster when the registry is built', () => {
    const def = {
      service: Service.Charter,
      streamFamily: StreamFamily.UseCase,
      description: 'A thing happened.',
      versions: [z.object({}), z.object({})],
      upcasters: [],
    };
    expect(() => createContractRegistry({ ThingHappened: def })).toThrow(InvalidRegistryError);
  });

  it('refuses a type that is not PascalCase or a multi-line description', () => {
    const def = defineContract({
      service: Service.Charter,
      streamFamily: StreamFamily.UseCase,
      description: 'A thing happened.',
      versions: [z.object({})],
      upcasters: [],
    });
    expect(() => createContractRegistry({ x_happened: def })).toThrow(/PascalCase/);
    expect(() => createContractRegistry({ ThingHappened: { ...def, description: 'a\nb' } })).toThrow(/one non-empty line/);
  });
});
