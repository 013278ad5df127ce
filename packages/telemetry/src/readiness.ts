// Readiness that means something (issue 20, item 5): the dependencies a process needs — its event
// store, its NATS connection, each NATS consumer it reads (not further behind than a limit), a
// gRPC peer — register a check here; `/readyz` (the metrics endpoint of every process, and the
// services' health ports) is not ready while a required one fails, and `/status` lists each one.
// One registry per process (kept on globalThis, so two copies of this module still share it).

export interface DependencyState {
  readonly ok: boolean;
  /** Plain words: what was found ("pending 12,000 > 10,000", "connection closed"). */
  readonly detail?: string;
}

export interface DependencyCheck {
  /** `event store`, `nats`, `nats consumer UNS/dataops-historian`, … (unique per process: a second registration replaces the first). */
  readonly name: string;
  /** What it is: database, messaging, consumer, rpc, … */
  readonly kind: string;
  /** A failing optional dependency is listed but does not make the process unready. Default true. */
  readonly required?: boolean;
  check(): Promise<DependencyState> | DependencyState;
}

export interface DependencyStatus {
  readonly name: string;
  readonly kind: string;
  readonly required: boolean;
  readonly ok: boolean;
  readonly detail: string;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly dependencies: readonly DependencyStatus[];
}

const KEY = Symbol.for('industrial.telemetry.readiness');
type Registry = Map<string, DependencyCheck>;

function registry(): Registry {
  const g = globalThis as { [KEY]?: Registry };
  g[KEY] ??= new Map();
  return g[KEY];
}

/** Registers (or replaces) a dependency check; the returned function removes it (a closed consumer, a stopped client). */
export function registerDependency(check: DependencyCheck): () => void {
  const r = registry();
  r.set(check.name, check);
  return () => {
    if (r.get(check.name) === check) r.delete(check.name);
  };
}

/** Runs every check (in parallel, each bounded by `timeoutMs`): ready when every required one is ok. */
export async function evaluateReadiness(timeoutMs = 2_000): Promise<ReadinessReport> {
  const checks = [...registry().values()];
  const dependencies = await Promise.all(
    checks.map(async (c): Promise<DependencyStatus> => {
      const required = c.required ?? true;
      let timer: NodeJS.Timeout | undefined;
      try {
        const state = await Promise.race([
          Promise.resolve().then(() => c.check()),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return { name: c.name, kind: c.kind, required, ok: state.ok, detail: state.detail ?? (state.ok ? 'ok' : 'failing') };
      } catch (error) {
        return { name: c.name, kind: c.kind, required, ok: false, detail: error instanceof Error ? error.message : String(error) };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  dependencies.sort((a, b) => a.name.localeCompare(b.name));
  return { ready: dependencies.every((d) => d.ok || !d.required), dependencies };
}

/** Clears the registry (tests that start several processes' worth of dependencies in one). */
export function resetReadinessForTests(): void {
  registry().clear();
}
