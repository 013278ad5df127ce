// The auditor's views over the governance audit API: a timeline with filters (evidence updates of
// a prompt collapsed into the prompt), replay to a time (?at=), who served each use case at that
// time, and a prompt's lineage (prompt → model version → training run → snapshot → source tags →
// use case and its approvals).
import type { AuditEvent, Platform } from './platform.ts';

export interface TimelineFilter {
  at: string | null;
  stream: string;
  type: string;
  actor: string;
  from: string | null;
  to: string | null;
}

/** ISO-8601 with a time and an offset (what ReplayTo takes); anything else is refused in plain words. */
export function parseAt(raw: string | null): { at: string | null; error: string | null } {
  if (raw === null || raw.trim() === '') return { at: null, error: null };
  const v = raw.trim();
  const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v));
  if (!ok)
    return {
      at: null,
      error: `“${v}” is not a time the replay understands. Use a date and time with its offset, e.g. 2026-03-05T10:00:00Z or 2026-03-05T11:00:00+01:00.`,
    };
  return { at: new Date(Date.parse(v)).toISOString(), error: null };
}

export function parseFilter(params: URLSearchParams): { filter: TimelineFilter; error: string | null } {
  const at = parseAt(params.get('at'));
  const time = (k: string) => {
    const v = params.get(k)?.trim() ?? '';
    return v === '' || Number.isNaN(Date.parse(v)) ? null : new Date(Date.parse(v)).toISOString();
  };
  return {
    filter: {
      at: at.at,
      stream: params.get('stream')?.trim() ?? '',
      type: params.get('type')?.trim() ?? '',
      actor: params.get('actor')?.trim() ?? '',
      from: time('from'),
      to: time('to'),
    },
    error: at.error,
  };
}

export interface TimelineRow {
  event: AuditEvent;
  /** Later RecommendationRaised events of the same prompt (evidence updates), collapsed here. */
  updates: AuditEvent[];
}

/** Filters, then folds every later RecommendationRaised of a stream into the first one shown. */
export function timeline(events: AuditEvent[], f: TimelineFilter): TimelineRow[] {
  const rows: TimelineRow[] = [];
  const raisedRow = new Map<string, TimelineRow>();
  for (const e of events) {
    if (f.stream && !e.stream.startsWith(f.stream)) continue;
    if (f.type && e.type !== f.type) continue;
    if (f.actor && e.actor !== f.actor) continue;
    if (f.from && e.recordedAt < f.from) continue;
    if (f.to && e.recordedAt > f.to) continue;
    if (e.type === 'RecommendationRaised') {
      const first = raisedRow.get(e.stream);
      if (first) {
        first.updates.push(e);
        continue;
      }
    }
    const row = { event: e, updates: [] };
    if (e.type === 'RecommendationRaised') raisedRow.set(e.stream, row);
    rows.push(row);
  }
  return rows;
}

export interface Serving {
  useCaseId: string;
  scope: string;
  stage: string;
  modelVersionId: string | null;
  version: number | null;
  since: string;
  /** Set when inference refused the promoted version: which check and why (the kept version serves). */
  refused: string | null;
}

/** Who held each stage in each scope after these events (model- and serving- streams), with version numbers. */
export function servingFrom(events: AuditEvent[]): Serving[] {
  const versions = new Map<string, number>();
  const held = new Map<string, Serving>();
  for (const e of events) {
    const d = e.data;
    if (e.type === 'ModelRefused' && typeof d.modelVersionId === 'string') {
      const key = `${d.useCaseId}|${String(d.stage)}|${typeof d.scope === 'string' ? d.scope : ''}`;
      const s = held.get(key);
      if (s && s.modelVersionId === d.modelVersionId)
        held.set(key, {
          ...s,
          refused: `${String(d.check)}: ${String(d.reason)}; ${typeof d.keptModelVersionId === 'string' ? `version ${d.keptModelVersionId.slice(0, 8)} kept serving` : 'the rule-based limits kept serving'}`,
        });
      continue;
    }
    if (!e.stream.startsWith('model-')) continue;
    if (e.type === 'ModelVersionRegistered' && typeof d.modelVersionId === 'string' && typeof d.version === 'number') versions.set(d.modelVersionId, d.version);
    if (e.type === 'ModelPromoted' && typeof d.modelVersionId === 'string') {
      const scope = typeof d.scope === 'string' ? d.scope : '';
      const stage = String(d.stage);
      held.set(`${d.useCaseId}|${stage}|${scope}`, {
        useCaseId: String(d.useCaseId),
        scope,
        stage,
        modelVersionId: d.modelVersionId,
        version: null,
        since: e.recordedAt,
        refused: null,
      });
    }
    if (e.type === 'ModelRolledBack') {
      const scope = typeof d.scope === 'string' ? d.scope : '';
      for (const [k, s] of held)
        if (s.useCaseId === d.useCaseId && s.scope === scope && s.modelVersionId === d.fromModelVersionId)
          held.set(k, {
            ...s,
            modelVersionId: typeof d.toModelVersionId === 'string' && s.stage === 'production' ? d.toModelVersionId : null,
            since: e.recordedAt,
          });
    }
  }
  return [...held.values()].map((s) => ({ ...s, version: s.modelVersionId ? (versions.get(s.modelVersionId) ?? null) : null }));
}

export interface LineageStep {
  what: string;
  id: string | null;
  detail: string;
  events: { type: string; actor: string; recordedAt: string; summary: string }[];
}

const summary = (e: AuditEvent): string => {
  const d = e.data;
  const pick = ['targetStage', 'stage', 'scope', 'justification', 'reason', 'comment', 'version', 'status'].filter((k) => d[k] !== undefined && d[k] !== null);
  return pick.map((k) => `${k}: ${typeof d[k] === 'string' ? d[k] : JSON.stringify(d[k])}`).join('; ');
};
const brief = (events: AuditEvent[]) => events.map((e) => ({ type: e.type, actor: e.actor, recordedAt: e.recordedAt, summary: summary(e) }));

/** The chain behind one prompt, each link read from its own stream; a link the store does not have says so. */
export async function lineageOf(p: Platform, recommendationId: string): Promise<LineageStep[]> {
  const rec = await p.readStream(`recommendation-${recommendationId}`);
  const raised = rec.find((e) => e.type === 'RecommendationRaised');
  if (!raised) return [{ what: 'Prompt', id: recommendationId, detail: 'No such prompt in the audit trail.', events: [] }];
  const d = raised.data;
  const useCaseId = String(d.useCaseId ?? '');
  const modelVersionId = typeof d.modelVersionId === 'string' ? d.modelVersionId : null;
  const steps: LineageStep[] = [
    {
      what: 'Prompt',
      id: recommendationId,
      detail: `${String(d.assetPath ?? '')} — ${String(d.message ?? '')}`,
      events: brief(rec.filter((e, i) => e.type !== 'RecommendationRaised' || i === 0)),
    },
  ];
  const model = useCaseId ? await p.readStream(`model-${useCaseId}`) : [];
  const registered = model.find((e) => e.type === 'ModelVersionRegistered' && e.data.modelVersionId === modelVersionId);
  if (modelVersionId === null) steps.push({ what: 'Model version', id: null, detail: 'Rule-based prompt: no model was in use.', events: [] });
  else if (!registered) steps.push({ what: 'Model version', id: modelVersionId, detail: 'Not registered in the audit trail.', events: [] });
  else {
    const r = registered.data;
    steps.push({
      what: 'Model version',
      id: modelVersionId,
      detail: `version ${String(r.version)}, artifact sha256 ${String(r.artifactHash ?? '').slice(0, 16)}…, metrics ${JSON.stringify(r.metrics ?? {})}`,
      events: brief(model.filter((e) => e.data.modelVersionId === modelVersionId)),
    });
    const runId = String(r.runId ?? '');
    const run = runId ? await p.readStream(`training-run-${runId}`) : [];
    steps.push({
      what: 'Training run',
      id: runId,
      detail: run.length ? `${run.length} events, code ${String(r.codeVersion ?? '')}` : 'No events of this run in the audit trail.',
      events: brief(run.slice(0, 20)),
    });
    const datasetId = String(r.datasetId ?? '');
    const dataset = datasetId ? await p.readStream(`dataset-${datasetId}`) : [];
    const snap = dataset.find((e) => e.data.snapshotId === r.snapshotId);
    const tags = snap && Array.isArray(snap.data.tags) ? (snap.data.tags as unknown[]).map((t) => (typeof t === 'string' ? t : JSON.stringify(t))) : [];
    steps.push({
      what: 'Dataset snapshot',
      id: String(r.snapshotId ?? ''),
      detail: snap
        ? `sha256 ${String(r.snapshotHash ?? '').slice(0, 16)}…`
        : `sha256 ${String(r.snapshotHash ?? '').slice(0, 16)}… (no snapshot event in the audit trail)`,
      events: brief(snap ? [snap] : []),
    });
    steps.push({ what: 'Source tags', id: null, detail: tags.length ? tags.join(', ') : 'The snapshot event names no tags.', events: [] });
  }
  const uc = useCaseId ? await p.readStream(`usecase-${useCaseId}`) : [];
  steps.push({
    what: 'Use case and its approvals',
    id: useCaseId,
    detail: uc.length ? `${uc.length} charter events` : 'No charter events for this use case in the audit trail.',
    events: brief([
      ...uc.filter((e) => /Approved|Drafted/.test(e.type)),
      ...model.filter((e) => /Approval|Approved|Rejected|Promoted|RolledBack/.test(e.type) && e.data.modelVersionId === modelVersionId),
    ]),
  });
  return steps;
}
