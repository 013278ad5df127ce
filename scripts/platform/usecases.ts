// The demo's use cases are data (usecases/*.json at the repository root, ADR 0016), loaded by the
// launchers through the charter's public gRPC API like any plant team would: DraftUseCase when the
// use case is new, then DefineServingSpec (the same content again records nothing). A file holds
// `{ useCaseId, draft, serving }`: the charter's draft and contracts' UseCaseServingSpec.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UseCaseServingSpec, type UseCaseServingSpecData } from '@industrial/contracts';
import { charterV1, unaryCall } from '@industrial/grpc';

export const USE_CASE_DIR = resolve(import.meta.dirname, '../../usecases');

export interface UseCaseFile {
  readonly file: string;
  readonly useCaseId: string;
  readonly draft: Record<string, unknown> & { assetPaths: string[]; scope: { enterprise: string; site: string } };
  readonly serving: UseCaseServingSpecData;
}

/** One data file (`pump-bearing` → usecases/pump-bearing.json), its serving spec checked against the contract. */
export function readUseCaseFile(name: string, dir = USE_CASE_DIR): UseCaseFile {
  const file = join(dir, name.endsWith('.json') ? name : `${name}.json`);
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { useCaseId: string; draft: UseCaseFile['draft']; serving: unknown };
  const parsed = UseCaseServingSpec.safeParse(raw.serving);
  if (!parsed.success) throw new Error(`${file}: serving.${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  return { file, useCaseId: raw.useCaseId, draft: raw.draft, serving: parsed.data };
}

/** Every data file of the directory, by name. */
export function readUseCaseFiles(dir = USE_CASE_DIR): UseCaseFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => readUseCaseFile(f, dir));
}

/** The draft with its asset paths moved to another enterprise/site (a launcher's own plant). */
export function withPlant(f: UseCaseFile, enterprise: string, site: string): UseCaseFile {
  const move = (p: string) => [enterprise, site, ...p.split('.').slice(2)].join('.');
  return { ...f, draft: { ...f.draft, scope: { ...f.draft.scope, enterprise, site }, assetPaths: f.draft.assetPaths.map(move) } };
}

export interface LoadedUseCase {
  readonly name: string;
  readonly useCaseId: string;
  readonly specVersion: number;
  readonly changed: boolean;
}

/** gRPC ALREADY_EXISTS: the use case was drafted on an earlier start. */
const ALREADY_EXISTS = 6;
const isStatus = (e: unknown, code: number) => (e as { code?: number } | null)?.code === code;

/** gRPC INVALID_ARGUMENT because the catalog does not know an asset or tag yet (a first start: connectivity still mapping). */
const notCataloguedYet = (e: unknown) => (e as { code?: number } | null)?.code === 3 && /catalog/.test((e as Error).message);
/** gRPC UNAVAILABLE: the charter (or dataops behind it) is still starting (a cluster's processes). */
const notUpYet = (e: unknown) => (e as { code?: number } | null)?.code === 14;

export interface LoadOptions {
  /** How long a use case is retried while the charter is not up or the catalog does not know its assets or tags yet (default 0: refused at once). */
  readonly waitForCatalogMs?: number;
  /** Called once per use case that waits for the catalog. */
  readonly onWait?: (file: UseCaseFile, reason: string) => void;
}

/**
 * Drafts (if new) and defines each use case through the charter's gRPC API. A refusal names the
 * file and the field; one the catalog may still resolve (assets being mapped) is retried for
 * `waitForCatalogMs`.
 */
export async function loadUseCases(client: charterV1.CharterServiceClient, files: readonly UseCaseFile[], options: LoadOptions = {}): Promise<LoadedUseCase[]> {
  const out: LoadedUseCase[] = [];
  for (const f of files) {
    const until = Date.now() + (options.waitForCatalogMs ?? 0);
    for (let waited = false; ;) {
      try {
        out.push(await loadOne(client, f));
        break;
      } catch (error) {
        const cause = (error as Error).cause;
        if (!(notCataloguedYet(cause) || notUpYet(cause)) || Date.now() > until) throw error;
        if (!waited && notCataloguedYet(cause)) options.onWait?.(f, (cause as Error).message);
        if (notCataloguedYet(cause)) waited = true;
        await new Promise((r) => setTimeout(r, 2_000));
      }
    }
  }
  return out;
}

async function loadOne(client: charterV1.CharterServiceClient, f: UseCaseFile): Promise<LoadedUseCase> {
  try {
    await unaryCall(client, client.draftUseCase, charterV1.DraftUseCaseRequest.fromPartial({ useCaseId: f.useCaseId, useCase: f.draft as never }));
  } catch (error) {
    if (!isStatus(error, ALREADY_EXISTS)) throw new Error(`${f.file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const r = await unaryCall(client, client.defineServingSpec, { useCaseId: f.useCaseId, specJson: JSON.stringify(f.serving) });
    return { name: f.serving.name, useCaseId: f.useCaseId, specVersion: r.specVersion, changed: r.changed };
  } catch (error) {
    throw new Error(`${f.file}: ${(error as Error).message}`, { cause: error });
  }
}
