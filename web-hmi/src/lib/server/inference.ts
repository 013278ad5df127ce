// The one module that knows the inference gateway's HTTP API (services/inference
// src/adapters/http/gateway.ts; the contract the HMI relies on is written down in web-hmi/API.md).
// Every call carries the operator's bearer token; failures come back as a GatewayError with the
// HTTP status and the gateway's code, which pages turn into plain words.
import { forwardedFor } from './client-address.ts';
import { config } from './config.ts';

export type RecommendationStatus = 'open' | 'acknowledged' | 'accepted' | 'rejected' | 'overridden' | 'expired';
export type Priority = 'low' | 'medium' | 'high' | 'critical';
export type AssetMode = 'auto' | 'manual' | 'maintenance' | 'offline';
export type NotDoneReason = 'false-alarm' | 'already-handled' | 'not-safe-now' | 'no-capacity' | 'other';
export type Outcome = 'event-prevented' | 'event-occurred' | 'no-event' | 'unknown';

export interface Evidence {
  feature: string;
  value: number;
  unit: string;
  /** The signal's normal band where the gateway knows one (model reference or rule limits). */
  normalLow?: number | null;
  normalHigh?: number | null;
}

/** A recommendation as the gateway returns it (GET /api/v1/recommendations). */
export interface Recommendation {
  recommendationId: string;
  useCaseId: string;
  assetPath: string;
  message: string;
  status: RecommendationStatus;
  priority: Priority;
  urgency: string;
  source: 'model' | 'rules';
  modelVersionId: string | null;
  raisedAt: string;
  actBy: string;
  expiresAt: string;
  mode: string;
  update: number;
  /** Whether what was found afterwards has been recorded. */
  outcomeRecorded?: boolean;
  /** Shelved now (ISA-18.2): until when (wall clock), why and by whom; null/absent: on the active list. */
  shelf?: Shelf | null;
  record: Record<string, unknown>;
}

export interface Shelf {
  shelvedAt: string;
  until: string;
  reason: string;
  endOfShift: boolean;
  by: string | null;
}

export interface ModeEntry {
  mode: AssetMode;
  actor: string;
  reason: string;
  changedAt: string;
}

/** One event of a recommendation's stream (GET /api/v1/recommendations/:id/events, see API.md). */
export interface HistoryEvent {
  type: string;
  recordedAt: string;
  actor: string;
  role: string | null;
  modelVersionId: string | null;
  data: Record<string, unknown>;
}

/** One asset of GET /api/v1/assets (agreed in notes/coord: every asset of the dataops catalog). */
export interface AssetEntry {
  assetPath: string;
  assetKind: string;
  name: string;
  area: string;
  line: string;
  useCases: { useCaseId: string; name: string; state: MonitoringState; since: string; reason: string }[];
}
export type MonitoringState = 'warming_up' | 'monitored' | 'stale_data' | 'manual' | 'rules' | 'not_served';

export interface DriftReport {
  useCaseId: string;
  modelVersionId: string | null;
  features: { feature: string; psi: number; band: string; ksD: number; currentCount: number }[];
  predictionPsi: number;
  severity: 'none' | 'warning' | 'critical';
  computedAtMs: number;
}

/** One drift evaluation (GET /api/v1/drift/history). */
export interface DriftPoint {
  at: string;
  modelVersionId: string | null;
  severity: 'none' | 'warning' | 'critical';
  paused: boolean;
  maxPsi: number;
  predictionPsi: number;
  top: { feature: string; psi: number }[];
}

export interface DriftHistory {
  useCaseId: string;
  pauseThreshold: number;
  warnThreshold: number;
  points: DriftPoint[];
}

/** One compared window of a shadow candidate (GET /api/v1/shadow/comparisons), newest first. */
export interface ShadowComparison {
  comparisonId: string;
  assetPath: string;
  scope?: string;
  candidateVersionId: string;
  productionVersionId: string | null;
  /** What the candidate was compared with: the production model or the rule-based limits. */
  reference: 'production' | 'rules';
  at: string;
  raisedBy: 'production' | 'candidate' | 'both';
  production: { alarm: boolean; score: number | null; recommendationId: string | null };
  candidate: { alarm: boolean; score: number; recommendationId: string | null };
  agree: boolean;
  operator: {
    decision: 'done' | 'not-done' | 'overridden' | 'open' | null;
    rejectionReason: string | null;
    outcome: Outcome | null;
    missedFailureReported: boolean;
    /** A failure was confirmed; false: a false alarm; null: not known. */
    failure: boolean | null;
  };
}

/** Per candidate: windows scored beside production, agreement, alarms, and the compared prompts against the outcomes. */
export interface ShadowSummary {
  candidateVersionId: string;
  productionVersionIds: (string | null)[];
  windows: number;
  agreeing: number;
  agreement: number | null;
  productionAlarms: number;
  candidateAlarms: number;
  periodFrom: string | null;
  periodTo: string | null;
  promptsCompared: number;
  promptsAgreeing: number;
  productionPrompts: number;
  candidatePrompts: number;
  confirmedFailures: number;
  falseAlarms: number;
  candidateCaught: number;
  candidateMissed: number;
  candidateFalseAlarms: number;
}

export interface ShadowPage {
  comparisons: ShadowComparison[];
  /** Empty on the last page. */
  nextPageToken: string;
  summaries: ShadowSummary[];
}

export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GatewayError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

async function call(token: string, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, fetcher: typeof fetch = fetch): Promise<unknown> {
  let res: Response;
  try {
    res = await fetcher(`${config().inferenceUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...forwardedFor(),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(config().gatewayTimeoutMs),
    });
  } catch (cause) {
    throw new GatewayError(503, 'UNREACHABLE', 'the inference gateway is not reachable', {}, { cause });
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    json = null;
  }
  if (!res.ok) {
    const o = isObject(json) ? json : {};
    // Fastify's own 404 for a route that does not exist has no `code`: that is a missing route.
    const code = typeof o.code === 'string' ? o.code : res.status === 404 ? 'NO_ROUTE' : `HTTP_${res.status}`;
    throw new GatewayError(res.status, code, typeof o.error === 'string' ? o.error : res.statusText, o);
  }
  return json;
}

const enc = encodeURIComponent;

/** A client bound to one signed-in operator's token. */
export function gateway(token: string, fetcher: typeof fetch = fetch) {
  const get = (path: string) => call(token, 'GET', path, undefined, fetcher);
  const post = (path: string, body: unknown = {}) => call(token, 'POST', path, body, fetcher);
  return {
    async recommendations(filter: { open?: boolean; asset?: string; max?: number } = {}): Promise<Recommendation[]> {
      const q = new URLSearchParams();
      if (filter.open) q.set('open', 'true');
      if (filter.asset) q.set('asset', filter.asset);
      q.set('max', String(filter.max ?? 100));
      const r = await get(`/api/v1/recommendations?${q}`);
      return isObject(r) && Array.isArray(r.recommendations) ? (r.recommendations as Recommendation[]) : [];
    },
    recommendation: async (id: string) => (await get(`/api/v1/recommendations/${enc(id)}`)) as Recommendation,
    acknowledge: async (id: string) => (await post(`/api/v1/recommendations/${enc(id)}/acknowledge`)) as Recommendation,
    done: async (id: string, note?: string) => (await post(`/api/v1/recommendations/${enc(id)}/done`, note ? { note } : {})) as Recommendation,
    notDone: async (id: string, reason: NotDoneReason, note?: string) =>
      (await post(`/api/v1/recommendations/${enc(id)}/not-done`, { reason, ...(note ? { note } : {}) })) as Recommendation,
    /** Shelve for `durationSeconds` (10 s to 12 h) or until the end of the shift, with a reason. */
    shelve: async (id: string, how: { durationSeconds: number } | { endOfShift: true }, reason: string) =>
      (await post(`/api/v1/recommendations/${enc(id)}/shelve`, { ...how, reason })) as Recommendation,
    unshelve: async (id: string) => (await post(`/api/v1/recommendations/${enc(id)}/unshelve`)) as Recommendation,
    outcome: async (id: string, outcome: Outcome, note?: string) =>
      (await post(`/api/v1/recommendations/${enc(id)}/outcome`, { outcome, ...(note ? { note } : {}) })) as Recommendation,
    reportProblem: async (input: { assetPath: string; description: string; severity: 'minor' | 'major' | 'stop'; missedFailure: boolean }) =>
      (await post('/api/v1/problems', input)) as { problemId: string },
    async modes(): Promise<Record<string, ModeEntry>> {
      const r = await get('/api/v1/modes');
      return isObject(r) && isObject(r.modes) ? (r.modes as Record<string, ModeEntry>) : {};
    },
    setMode: async (path: string, mode: AssetMode, reason: string) =>
      (await call(token, 'PUT', `/api/v1/modes/${enc(path)}`, { mode, reason }, fetcher)) as { path: string; mode: AssetMode; previousMode: AssetMode },
    async history(id: string): Promise<HistoryEvent[]> {
      const r = await get(`/api/v1/recommendations/${enc(id)}/events`);
      return isObject(r) && Array.isArray(r.events) ? (r.events as HistoryEvent[]) : [];
    },
    /** GET /api/v1/assets; null when the gateway has no such route yet (404), so the caller falls back. */
    async assets(): Promise<AssetEntry[] | null> {
      try {
        const r = await get('/api/v1/assets');
        return isObject(r) && Array.isArray(r.assets) ? (r.assets as AssetEntry[]) : [];
      } catch (error) {
        if (error instanceof GatewayError && error.status === 404) return null;
        throw error;
      }
    },
    drift: async (useCaseId: string) => (await get(`/api/v1/drift/${enc(useCaseId)}`)) as DriftReport,
    driftHistory: async (useCaseId: string) => (await get(`/api/v1/drift/history?useCaseId=${enc(useCaseId)}`)) as DriftHistory,
    /** The shadow view of a use case: per candidate a summary, and the compared prompts newest first (one page). */
    async shadowComparisons(
      useCaseId: string,
      filter: { scope?: string; candidateVersionId?: string; pageSize?: number; pageToken?: string } = {},
    ): Promise<ShadowPage> {
      const q = new URLSearchParams({ useCaseId });
      if (filter.scope) q.set('scope', filter.scope);
      if (filter.candidateVersionId) q.set('candidateVersionId', filter.candidateVersionId);
      if (filter.pageSize) q.set('pageSize', String(filter.pageSize));
      if (filter.pageToken) q.set('pageToken', filter.pageToken);
      const r = await get(`/api/v1/shadow/comparisons?${q}`);
      return {
        comparisons: isObject(r) && Array.isArray(r.comparisons) ? (r.comparisons as ShadowComparison[]) : [],
        nextPageToken: isObject(r) && typeof r.nextPageToken === 'string' ? r.nextPageToken : '',
        summaries: isObject(r) && Array.isArray(r.summaries) ? (r.summaries as ShadowSummary[]) : [],
      };
    },
    /** The live feed (SSE), for the server-side proxy route; the caller streams the body on. */
    async feed(signal: AbortSignal, lastEventId: string | null): Promise<Response> {
      return fetcher(`${config().inferenceUrl}/api/v1/feed`, {
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...forwardedFor(), ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
        signal,
      });
    },
  };
}

export type Gateway = ReturnType<typeof gateway>;
