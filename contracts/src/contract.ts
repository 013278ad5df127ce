// The machinery of versioned event contracts: how a contract is defined (its schemas per version
// and the upcasters between them) and a registry built from definitions, which validates,
// upcasts and describes them. The platform's own registry is assembled in registry.ts.
import { z } from 'zod';
import { ContractViolationError, InvalidRegistryError, UnknownContractError } from './errors.ts';
import { allFailures, firstFailure, type ValidationFailure } from './issues.ts';

/** Services that own (emit) events. Each event type has exactly one owner. */
export const Service = {
  Charter: 'charter',
  Connectivity: 'connectivity',
  DataOps: 'dataops',
  Training: 'training',
  Inference: 'inference',
  Governance: 'governance',
  Access: 'access',
  Simulator: 'simulator',
  Integration: 'integration',
} as const;
export type Service = (typeof Service)[keyof typeof Service];
export const services: readonly Service[] = Object.values(Service);

/** Stream families: a stream is named `<family><id>`, e.g. `usecase-0190…`, `asset-acme.p1.pack.l1.filler`. */
export const StreamFamily = {
  UseCase: 'usecase-',
  Source: 'source-',
  Dataset: 'dataset-',
  TrainingRun: 'training-run-',
  Model: 'model-',
  Recommendation: 'recommendation-',
  Asset: 'asset-',
  Drift: 'drift-',
  Access: 'access-',
  Audit: 'audit-',
  Fault: 'fault-',
  Quality: 'quality-',
  Label: 'label-',
  Serving: 'serving-',
  Outbound: 'outbound-',
  Notify: 'notify-',
  Retraining: 'retraining-',
} as const;
export type StreamFamily = (typeof StreamFamily)[keyof typeof StreamFamily];
export const streamFamilies: readonly StreamFamily[] = Object.values(StreamFamily);

/**
 * The one writer of each stream family (ADR 0003). `access` is the access library every service
 * embeds: the guard of any service records its own denials and restricted reads in `access-` streams.
 */
export const streamFamilyOwners: Readonly<Record<StreamFamily, Service>> = {
  'usecase-': Service.Charter,
  'source-': Service.Connectivity,
  'dataset-': Service.DataOps,
  'quality-': Service.DataOps,
  'label-': Service.DataOps,
  'training-run-': Service.Training,
  'model-': Service.Governance,
  'recommendation-': Service.Inference,
  'asset-': Service.Inference,
  'drift-': Service.Inference,
  'serving-': Service.Inference,
  'access-': Service.Access,
  'audit-': Service.Governance,
  'fault-': Service.Simulator,
  'outbound-': Service.Integration,
  'notify-': Service.Integration,
  'retraining-': Service.Training,
};

/** The family a stream name belongs to (longest matching prefix), or null for a name outside every family. */
export function streamFamilyOf(stream: string): StreamFamily | null {
  let best: StreamFamily | null = null;
  for (const family of streamFamilies)
    if (stream.startsWith(family) && stream.length > family.length && (best === null || family.length > best.length)) best = family;
  return best;
}

/** Moves data of version N to version N+1. `note` says what changed and which default old events get. */
export interface Upcaster<From, To> {
  readonly note: string;
  readonly up: (data: From) => To;
}

type Schemas = readonly [z.ZodType, ...z.ZodType[]];

/** One upcaster per consecutive pair of versions, typed from the schemas: [v1→v2, v2→v3, …]. */
export type Upcasters<V extends readonly z.ZodType[]> = V extends readonly [
  infer A extends z.ZodType,
  infer B extends z.ZodType,
  ...infer R extends z.ZodType[],
]
  ? readonly [Upcaster<z.output<A>, z.input<B>>, ...Upcasters<readonly [B, ...R]>]
  : readonly [];

export interface ContractDefinition<V extends Schemas = Schemas> {
  readonly service: Service;
  readonly streamFamily: StreamFamily;
  /** One line: what happened, in the owner's words. */
  readonly description: string;
  /** Schema of `data` per version; index 0 is schemaVersion 1. Released versions are never edited. */
  readonly versions: V;
  readonly upcasters: Upcasters<V>;
}

/** Identity helper that types the upcasters from the version schemas. */
export function defineContract<const V extends Schemas>(definition: ContractDefinition<V>): ContractDefinition<V> {
  return definition;
}

/** Erased view of a definition used by the runtime (any concrete definition is assignable to it). */
export interface AnyContractDefinition {
  readonly service: Service;
  readonly streamFamily: StreamFamily;
  readonly description: string;
  readonly versions: readonly z.ZodType[];
  readonly upcasters: readonly { readonly note: string; readonly up: (data: never) => unknown }[];
}

type LastOf<V> = V extends readonly [...unknown[], infer L] ? L : never;
/** Data of the latest version of a definition (what `parseEvent`/`upcast` return). */
export type LatestDataOf<D> = D extends { versions: infer V } ? (LastOf<V> extends z.ZodType ? z.output<LastOf<V>> : never) : never;
/** Data of a given version (1-based) of a definition, e.g. `VersionDataOf<typeof accessDenied, 1>`. */
export type VersionDataOf<D, N extends number> = D extends { versions: infer V extends readonly unknown[] } ? VersionAt<V, N> : never;
type VersionAt<V extends readonly unknown[], N extends number, Seen extends unknown[] = [unknown]> = V extends readonly [infer H, ...infer R]
  ? Seen['length'] extends N
    ? H extends z.ZodType
      ? z.output<H>
      : never
    : VersionAt<R, N, [...Seen, unknown]>
  : never;

/** One (type, schemaVersion) entry of a registry. */
export interface ContractEntry {
  readonly type: string;
  readonly schemaVersion: number;
  readonly latest: boolean;
  readonly service: Service;
  readonly streamFamily: StreamFamily;
  readonly description: string;
  readonly schema: z.ZodType;
  /** For versions > 1: what changed from the previous version. */
  readonly changeNote: string | null;
}

/** The validator the event store calls before writing (same shape as its `EventValidator`). */
export interface EventValidator {
  /** Returns null when valid, else the dotted path inside `data` and the reason. */
  validate(type: string, schemaVersion: number, data: unknown): { path: string; reason: string } | null;
}

export interface ContractRegistry<D extends Record<string, AnyContractDefinition>> extends EventValidator {
  readonly definitions: D;
  isEventType(type: string): type is keyof D & string;
  latestVersion(type: keyof D & string): number;
  getContract(type: string, schemaVersion: number): ContractEntry | undefined;
  /** Every (type, version) entry, ordered by type then version. */
  listContracts(): ContractEntry[];
  /** Validates, then brings the data to the latest version. Throws `ContractViolationError`. */
  parseEvent<T extends keyof D & string>(type: T, schemaVersion: number, data: unknown): LatestDataOf<D[T]>;
  /** Brings data recorded at `fromVersion` to the latest version, checking every step. */
  upcast<T extends keyof D & string>(type: T, fromVersion: number, data: unknown): LatestDataOf<D[T]>;
  /** JSON Schema (draft 2020-12) of `data` for one (type, version); throws `UnknownContractError`. */
  jsonSchemaFor(type: string, schemaVersion: number): Record<string, unknown>;
  /** Stream name for an event of `type` about `id`: `<family><id>`. */
  streamFor(type: keyof D & string, id: string): string;
}

const pascalCase = /^[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)*$/;

function checkDefinitions(definitions: Record<string, AnyContractDefinition>): void {
  for (const [type, def] of Object.entries(definitions)) {
    const where = `contract "${type}"`;
    if (!pascalCase.test(type)) throw new InvalidRegistryError(`${where}: type must be PascalCase`);
    if (!services.includes(def.service)) throw new InvalidRegistryError(`${where}: unknown service "${def.service}"`);
    if (!streamFamilies.includes(def.streamFamily)) throw new InvalidRegistryError(`${where}: unknown stream family "${def.streamFamily}"`);
    const familyOwner = streamFamilyOwners[def.streamFamily];
    if (familyOwner !== def.service && familyOwner !== Service.Access) {
      throw new InvalidRegistryError(`${where}: owned by ${def.service} but its stream family "${def.streamFamily}" is written by ${familyOwner} only`);
    }
    if (def.description.trim() === '' || def.description.includes('\n')) throw new InvalidRegistryError(`${where}: description must be one non-empty line`);
    if (def.versions.length === 0) throw new InvalidRegistryError(`${where}: needs at least one version`);
    if (def.upcasters.length !== def.versions.length - 1) {
      throw new InvalidRegistryError(`${where}: ${def.versions.length} versions need ${def.versions.length - 1} upcasters, got ${def.upcasters.length}`);
    }
  }
}

const versionList = (n: number): string => Array.from({ length: n }, (_, i) => i + 1).join(', ');

/** Builds a registry over `definitions` (keyed by event type). Checks the definitions once, here. */
export function createContractRegistry<const D extends Record<string, AnyContractDefinition>>(definitions: D): ContractRegistry<D> {
  checkDefinitions(definitions);

  const definitionOf = (type: string): AnyContractDefinition | undefined => (Object.hasOwn(definitions, type) ? definitions[type] : undefined);

  /** Resolves (type, version) or says, in the validator's terms, why it cannot. */
  function resolve(type: string, schemaVersion: number): { def: AnyContractDefinition; schema: z.ZodType } | ValidationFailure {
    const def = definitionOf(type);
    if (def === undefined) return { path: '', reason: `unknown event type "${type}"` };
    const schema = Number.isInteger(schemaVersion) ? def.versions[schemaVersion - 1] : undefined;
    if (schema === undefined) {
      return {
        path: '',
        reason: `unsupported schemaVersion ${String(schemaVersion)} of "${type}"; supported versions: ${versionList(def.versions.length)}`,
      };
    }
    return { def, schema };
  }

  /** All failures of `data` against (type, version); empty when valid. */
  function check(type: string, schemaVersion: number, data: unknown): ValidationFailure[] {
    const found = resolve(type, schemaVersion);
    if (!('schema' in found)) return [found];
    const result = found.schema.safeParse(data, { reportInput: true });
    return result.success ? [] : allFailures(result.error);
  }

  function validate(type: string, schemaVersion: number, data: unknown): ValidationFailure | null {
    return check(type, schemaVersion, data)[0] ?? null;
  }

  function upcastUnknown(type: string, fromVersion: number, data: unknown): unknown {
    const found = resolve(type, fromVersion);
    if (!('schema' in found)) throw new ContractViolationError(type, fromVersion, found.path, found.reason);
    const { def } = found;
    let current: unknown = data;
    for (let version = fromVersion; ; version++) {
      const schema = def.versions[version - 1];
      if (schema === undefined) break;
      const result = schema.safeParse(current, { reportInput: true });
      if (!result.success) {
        const failure = firstFailure(result.error);
        const reason = version === fromVersion ? failure.reason : `${failure.reason} (produced by the upcaster from v${version - 1} to v${version})`;
        throw new ContractViolationError(type, version, failure.path, reason, { details: allFailures(result.error) });
      }
      current = result.data;
      const upcaster = def.upcasters[version - 1];
      if (upcaster === undefined) break;
      // The erased signature takes `never`; the typed definition guarantees the input is this version's output.
      current = (upcaster.up as (input: unknown) => unknown)(current);
    }
    return current;
  }

  function entry(type: string, def: AnyContractDefinition, index: number): ContractEntry {
    return {
      type,
      schemaVersion: index + 1,
      latest: index === def.versions.length - 1,
      service: def.service,
      streamFamily: def.streamFamily,
      description: def.description,
      schema: def.versions[index] as z.ZodType,
      changeNote: index === 0 ? null : (def.upcasters[index - 1]?.note ?? null),
    };
  }

  return {
    definitions,
    isEventType: (type: string): type is keyof D & string => definitionOf(type) !== undefined,
    latestVersion(type) {
      const def = definitionOf(type);
      if (def === undefined) throw new UnknownContractError(`unknown event type "${type}"`);
      return def.versions.length;
    },
    getContract(type, schemaVersion) {
      const found = resolve(type, schemaVersion);
      return 'schema' in found ? entry(type, found.def, schemaVersion - 1) : undefined;
    },
    listContracts() {
      return Object.keys(definitions)
        .sort()
        .flatMap((type) => {
          const def = definitions[type] as AnyContractDefinition;
          return def.versions.map((_, index) => entry(type, def, index));
        });
    },
    validate,
    parseEvent<T extends keyof D & string>(type: T, schemaVersion: number, data: unknown): LatestDataOf<D[T]> {
      const failures = check(type, schemaVersion, data);
      const [first] = failures;
      if (first !== undefined) throw new ContractViolationError(type, schemaVersion, first.path, first.reason, { details: failures });
      return upcastUnknown(type, schemaVersion, data) as LatestDataOf<D[T]>;
    },
    upcast<T extends keyof D & string>(type: T, fromVersion: number, data: unknown): LatestDataOf<D[T]> {
      return upcastUnknown(type, fromVersion, data) as LatestDataOf<D[T]>;
    },
    jsonSchemaFor(type, schemaVersion) {
      const found = resolve(type, schemaVersion);
      if (!('schema' in found)) throw new UnknownContractError(found.reason);
      const generated = z.toJSONSchema(found.schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw' });
      return {
        ...generated,
        $id: `urn:industrial:event:${type}:v${schemaVersion}`,
        title: `${type} v${schemaVersion}`,
        description: found.def.description,
        'x-service': found.def.service,
        'x-stream-family': found.def.streamFamily,
      };
    },
    streamFor(type, id) {
      const def = definitionOf(type);
      if (def === undefined) throw new UnknownContractError(`unknown event type "${type}"`);
      if (id === '') throw new ContractViolationError(type, undefined, 'id', 'must not be empty');
      return `${def.streamFamily}${id}`;
    },
  };
}
