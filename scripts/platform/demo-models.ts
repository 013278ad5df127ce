// The demo use cases' models for a launcher's first start (issue 14 item 2, issue 16 item 6): every
// use case of usecases/*.json gets a model trained from the simulated plant by the training
// service's recipe (prepareDemoModelsInWorker: cached under <data dir>/models, keyed by the recipe
// and the use case's spec, reused on later starts), with a progress line per use case on the
// terminal. Each model goes to production through the front door, governance's gRPC API, so the
// audit trail says who did what:
//   1. RegisterModelVersion as training's service account (a candidate),
//   2. RequestApproval by an engineer identity (with the held-out metrics as justification),
//   3. Approve by a different, quality-lead identity (four eyes: governance refuses the requester),
//   4. Promote by the quality lead.
// Idempotent: a version already in production is left as it is; a pending or approved request of
// the same version is continued instead of asking again.
import { randomUUID } from 'node:crypto';
import { createClient, governanceRegistryV1 as registry, unaryCall, type GrpcClientTls } from '@industrial/grpc';
import {
  createGrpcModelRegistry,
  detectCodeVersion,
  prepareDemoModels,
  prepareDemoModelsInWorker,
  registrationFor,
  type DemoUseCase,
  type PrepareProgress,
  type PreparedModel,
} from '@industrial/training';

export interface FrontDoor {
  /** host:port of governance's gRPC server. */
  readonly governance: string;
  readonly tls?: GrpcClientTls | null | undefined;
  /** Bearer tokens: training's service account (registers), an engineer (asks), a quality lead (approves, promotes). */
  readonly tokens: { readonly training: string; readonly engineer: string; readonly qualityLead: string };
}

export interface PromotedModel {
  readonly useCaseId: string;
  readonly name: string;
  readonly modelVersionId: string;
  readonly version: number;
  /** trained now, or reused from the cache */
  readonly cached: boolean;
  /** promoted now, or already in production */
  readonly promoted: boolean;
  readonly requestId: string | null;
}

export interface FailedModel {
  readonly useCaseId: string;
  readonly name: string;
  readonly error: string;
}

/** The identities the launcher's setup acts as in the audit trail: an engineer asks, a quality lead approves. */
export const DEMO_ENGINEER = 'user:demo-setup-engineer';
export const DEMO_QUALITY_LEAD = 'user:demo-setup-quality-lead';

const PRODUCTION = registry.ModelStage.MODEL_STAGE_PRODUCTION;

const summary = (m: Record<string, number>) =>
  'rmse' in m
    ? `held-out RMSE ${m.rmse!.toFixed(1)} h`
    : `held-out windows: recall ${(m.recall ?? NaN).toFixed(2)}, precision ${(m.precision ?? NaN).toFixed(2)}`;

/** Registers, asks for, approves and promotes each prepared model through governance's gRPC API. */
export async function promoteThroughFrontDoor(
  prepared: readonly PreparedModel[],
  door: FrontDoor,
  codeVersion = detectCodeVersion(),
): Promise<{ promoted: PromotedModel[]; failed: FailedModel[] }> {
  const reg = createGrpcModelRegistry({ address: door.governance, token: door.tokens.training, tls: door.tls });
  const engineer = createClient(registry.ModelRegistryServiceClient, door.governance, { token: door.tokens.engineer, tls: door.tls, deadlineMs: 30_000 });
  const lead = createClient(registry.ModelRegistryServiceClient, door.governance, { token: door.tokens.qualityLead, tls: door.tls, deadlineMs: 30_000 });
  const out: PromotedModel[] = [];
  const failed: FailedModel[] = [];
  // one use case refused (e.g. a version inference refused earlier) does not stop the others
  const one = async (p: PreparedModel): Promise<void> => {
    // the registration's own correlation id (the client sends it to governance with the call)
    const cause = { actor: 'svc:training', role: 'service', correlationId: randomUUID(), causationId: null, traceparent: null };
    const { registered } = await reg.register(registrationFor(p, codeVersion) as never, cause);
    const modelVersionId = registered.modelVersionId;
    const listed = await unaryCall(engineer, engineer.listModelVersions, { useCaseId: p.useCaseId });
    const serving = listed.deployments.find((d) => d.stage === PRODUCTION && d.scope === '')?.modelVersionId ?? '';
    const base = { useCaseId: p.useCaseId, name: p.name, modelVersionId, version: registered.version, cached: p.cached };
    if (serving === modelVersionId) {
      out.push({ ...base, promoted: false, requestId: null });
      return;
    }
    const open = listed.versions
      .find((v) => v.modelVersionId === modelVersionId)
      ?.approvalRequests.find(
        (r) =>
          r.targetStage === PRODUCTION &&
          r.scope === '' &&
          (r.status === registry.ApprovalStatus.APPROVAL_STATUS_PENDING || r.status === registry.ApprovalStatus.APPROVAL_STATUS_APPROVED),
      );
    let request = open;
    if (request === undefined) {
      const asked = await unaryCall(
        engineer,
        engineer.requestApproval,
        registry.RequestApprovalRequest.fromPartial({
          useCaseId: p.useCaseId,
          modelVersionId,
          targetStage: PRODUCTION,
          justification: `"${p.name}": trained from the simulated plant by the platform's recipe on ${p.record.rows} windows (${p.record.failures} failures labelled); ${summary(p.record.testMetrics)}.`,
        }),
      );
      request = asked.request!;
    }
    if (request.status !== registry.ApprovalStatus.APPROVAL_STATUS_APPROVED) {
      await unaryCall(
        lead,
        lead.approve,
        registry.ApproveRequest.fromPartial({
          useCaseId: p.useCaseId,
          requestId: request.requestId,
          comment: 'demo plant: trained on the simulator; review on plant history before real use',
        }),
      );
    }
    await unaryCall(lead, lead.promote, registry.PromoteRequest.fromPartial({ useCaseId: p.useCaseId, requestId: request.requestId }));
    out.push({ ...base, promoted: true, requestId: request.requestId });
  };
  try {
    for (const p of prepared)
      await one(p).catch((e: unknown) => failed.push({ useCaseId: p.useCaseId, name: p.name, error: e instanceof Error ? e.message : String(e) }));
  } finally {
    reg.close();
    engineer.close();
    lead.close();
  }
  return { promoted: out, failed };
}

/** A progress display on the terminal: one line per use case and step (step, %, done), redrawn in place on a TTY. */
export function progressDisplay(stream: NodeJS.WriteStream = process.stdout): { update(p: PrepareProgress): void; done(): void } {
  const tty = stream.isTTY === true;
  let last = '';
  let open = false;
  const words: Record<PrepareProgress['step'], string> = { cached: 'reused (cached)', plant: 'simulating the plant', training: 'training', saved: 'done' };
  return {
    update(p) {
      const pct = Math.round(p.fraction * 100);
      const line = `  [${p.index}/${p.count}] ${p.name.padEnd(34)} ${words[p.step].padEnd(22)} ${String(pct).padStart(3)} %${p.step === 'saved' || p.step === 'cached' ? `  ${p.message}` : ''}`;
      const key = `${p.index}|${p.step}${tty ? `|${pct}` : ''}`;
      if (key === last) return;
      const sameStep = last.startsWith(`${p.index}|${p.step}`);
      last = key;
      if (tty) {
        stream.write(`${open && sameStep ? '\r\x1b[2K' : open ? '\n' : ''}${line}`);
        open = true;
      } else stream.write(`${line}\n`);
    },
    done() {
      if (tty && open) stream.write('\n');
      open = false;
    },
  };
}

/** Prepares (trains or reuses) every use case's model with the progress display, then promotes them through the front door. */
export async function demoModels(
  useCases: readonly DemoUseCase[],
  o: {
    artifactsDir: string;
    door: FrontDoor;
    dataScale?: number;
    stream?: NodeJS.WriteStream;
    /** Train on a worker thread (default true: the launcher's services keep answering); false: in this thread. */
    worker?: boolean;
  },
): Promise<{ prepared: PreparedModel[]; promoted: PromotedModel[]; failed: FailedModel[] }> {
  const display = progressDisplay(o.stream);
  const prepare = o.worker === false ? prepareDemoModels : prepareDemoModelsInWorker;
  const prepared = await prepare(
    { useCases, artifactsDir: o.artifactsDir, ...(o.dataScale === undefined ? {} : { options: { dataScale: o.dataScale } }) },
    (p) => display.update(p),
  ).finally(() => display.done());
  return { prepared, ...(await promoteThroughFrontDoor(prepared, o.door)) };
}
