// The HMI's contract with the inference gateway, written from the consumer side: every HTTP call
// web-hmi/src/lib/server/inference.ts makes, with the example answer the HMI reads (only the
// fields it uses; `type` matching, so the provider may send more), and the feed's messages the
// browser reacts to. The HMI sends `Authorization: Bearer <the user's token>` on every call; the
// provider verification signs in with the role named in each provider state's `role`.
import type { Gateway } from '../../web-hmi/src/lib/server/inference.ts';
import { GENERATED_BY, likeBody, type HttpInteraction, type HttpPact, type MessageInteraction, type MessagePact } from './pact.ts';

const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
export const EXAMPLE_ID = '0193a1b2-7c00-7a10-8b00-00000000e017';
export const PUMP_USE_CASE = '0193a1b2-7c00-7a10-8b00-0000000000b1';
export const EXAMPLE_ASSET = 'acme.plant-1.utilities.cooling-water.pump-4';

const recommendation = (status: string) => ({
  recommendationId: EXAMPLE_ID,
  useCaseId: PUMP_USE_CASE,
  assetPath: EXAMPLE_ASSET,
  message: 'Pump 4 (rule-based check): bearing temperature 18 °C above normal. Inspect the pump 4 bearing within the next hour.',
  status,
  priority: 'high',
  source: 'rules',
  modelVersionId: null,
  raisedAt: '2026-03-05T10:00:00.000Z',
  actBy: '2026-03-05T11:00:00.000Z',
  outcomeRecorded: false,
  record: {},
});

/**
 * A prompt on the active list says `shelf: null`. (Lists and the feed's snapshot leave `shelf` out of
 * their example: they may hold shelved and unshelved prompts alike, and a type rule cannot say both.)
 */
const notShelved = (status: string) => ({ ...recommendation(status), shelf: null });

/** An open prompt shelved for 15 minutes (ISA-18.2): until when, why and by whom. */
const shelved = () => ({
  ...recommendation('open'),
  shelf: {
    shelvedAt: '2026-03-05T10:02:00.000Z',
    until: '2026-03-05T10:17:00.000Z',
    reason: 'Fitter already on the way',
    endOfShift: false,
    by: 'operator-1',
  },
});
const ISO = '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z$';

/** An open rule-based prompt whose evidence items carry their normal band (the rule's limit), for the trends. */
const withBand = () => ({
  ...recommendation('open'),
  record: { evidence: [{ feature: 'bearing_temp_mean', value: 92, unit: '°C', normalHigh: 75 }] },
});

const json = { 'content-type': 'application/json' };

interface Spec {
  description: string;
  state: string;
  params?: Record<string, string>;
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  /** With `${…}` taken from the provider state (the consumer's example fills them with EXAMPLE_ID / EXAMPLE_ASSET). */
  pathTemplate?: string;
  query?: string;
  body?: unknown;
  status: number;
  response: unknown;
  /** Rules beyond `type` for the whole body. */
  regex?: Record<string, string>;
  pending?: boolean;
  /** The HMI's own client making this call. */
  run: (g: Gateway) => Promise<unknown>;
}

const R = `/api/v1/recommendations/${EXAMPLE_ID}`;
/** A Pact ProviderState expression: `${name}` is filled from the provider state's params. */
const fromState = (name: string) => ['$', '{', name, '}'].join('');
const RT = `/api/v1/recommendations/${fromState('recommendationId')}`;

export const SPECS: Spec[] = [
  {
    description: 'the open prompts, for "What needs doing now"',
    state: 'an open rule-based prompt',
    method: 'GET',
    path: '/api/v1/recommendations',
    query: 'open=true&max=200',
    status: 200,
    response: { recommendations: [withBand()] },
    regex: { '$.recommendations[*].recommendationId': UUID },
    run: (g) => g.recommendations({ open: true, max: 200 }),
  },
  {
    description: 'the recent prompts in any state, for the waiting list and the audit list',
    state: 'an open rule-based prompt',
    method: 'GET',
    path: '/api/v1/recommendations',
    query: 'max=200',
    status: 200,
    response: { recommendations: [recommendation('open')] },
    run: (g) => g.recommendations({ max: 200 }),
  },
  {
    description: 'one prompt',
    state: 'an open rule-based prompt',
    method: 'GET',
    path: R,
    pathTemplate: RT,
    status: 200,
    response: notShelved('open'),
    run: (g) => g.recommendation(EXAMPLE_ID),
  },
  {
    description: 'acknowledge a prompt',
    state: 'an open rule-based prompt',
    method: 'POST',
    path: `${R}/acknowledge`,
    pathTemplate: `${RT}/acknowledge`,
    body: {},
    status: 200,
    response: recommendation('acknowledged'),
    run: (g) => g.acknowledge(EXAMPLE_ID),
  },
  {
    description: 'acknowledge a prompt someone already marked done',
    state: 'a prompt marked done',
    method: 'POST',
    path: `${R}/acknowledge`,
    pathTemplate: `${RT}/acknowledge`,
    body: {},
    status: 409,
    response: { error: 'recommendation is accepted', code: 'FAILED_PRECONDITION', state: 'accepted' },
    run: (g) => g.acknowledge(EXAMPLE_ID).catch((e: unknown) => e),
  },
  {
    description: 'mark a prompt done',
    state: 'an open rule-based prompt',
    method: 'POST',
    path: `${R}/done`,
    pathTemplate: `${RT}/done`,
    body: {},
    status: 200,
    response: recommendation('accepted'),
    run: (g) => g.done(EXAMPLE_ID),
  },
  {
    description: 'shelve a prompt for a time with a reason',
    state: 'an open rule-based prompt',
    method: 'POST',
    path: `${R}/shelve`,
    pathTemplate: `${RT}/shelve`,
    body: { durationSeconds: 900, reason: 'Fitter already on the way' },
    status: 200,
    response: shelved(),
    regex: { '$.shelf.until': ISO, '$.shelf.shelvedAt': ISO, '$.shelf.reason': '^Fitter already on the way$', '$.shelf.by': '^operator-1$' },
    run: (g) => g.shelve(EXAMPLE_ID, { durationSeconds: 900 }, 'Fitter already on the way'),
  },
  {
    description: 'shelve a prompt until the end of the shift',
    state: 'an open rule-based prompt',
    method: 'POST',
    path: `${R}/shelve`,
    pathTemplate: `${RT}/shelve`,
    body: { endOfShift: true, reason: 'Handover will look at it' },
    status: 200,
    response: { ...shelved(), shelf: { ...shelved().shelf, until: '2026-03-05T14:00:00.000Z', reason: 'Handover will look at it', endOfShift: true } },
    regex: { '$.shelf.until': '^\\d{4}-\\d\\d-\\d\\dT(06|14|22):00:00(\\.0+)?Z$' },
    run: (g) => g.shelve(EXAMPLE_ID, { endOfShift: true }, 'Handover will look at it'),
  },
  {
    description: 'shelve a prompt for too short a time',
    state: 'an open rule-based prompt',
    method: 'POST',
    path: `${R}/shelve`,
    pathTemplate: `${RT}/shelve`,
    body: { durationSeconds: 5, reason: 'x' },
    status: 400,
    response: { error: 'must be at least 10 seconds', code: 'INVALID_ARGUMENT', field: 'durationSeconds' },
    regex: { '$.code': '^INVALID_ARGUMENT$', '$.field': '^durationSeconds$' },
    run: (g) => g.shelve(EXAMPLE_ID, { durationSeconds: 5 }, 'x').catch((e: unknown) => e),
  },
  {
    description: 'shelve a prompt someone already marked done',
    state: 'a prompt marked done',
    method: 'POST',
    path: `${R}/shelve`,
    pathTemplate: `${RT}/shelve`,
    body: { durationSeconds: 900, reason: 'late' },
    status: 409,
    response: {
      error: 'recommendation is accepted; it cannot be shelved',
      code: 'FAILED_PRECONDITION',
      state: 'accepted',
      recommendation: recommendation('accepted'),
    },
    regex: { '$.state': '^accepted$', '$.recommendation.status': '^accepted$' },
    run: (g) => g.shelve(EXAMPLE_ID, { durationSeconds: 900 }, 'late').catch((e: unknown) => e),
  },
  {
    description: 'put a shelved prompt back on the list',
    state: 'a shelved prompt',
    method: 'POST',
    path: `${R}/unshelve`,
    pathTemplate: `${RT}/unshelve`,
    body: {},
    status: 200,
    response: notShelved('open'),
    run: (g) => g.unshelve(EXAMPLE_ID),
  },
  {
    description: 'mark a prompt not done with a reason',
    state: 'an open rule-based prompt',
    method: 'POST',
    path: `${R}/not-done`,
    pathTemplate: `${RT}/not-done`,
    body: { reason: 'false-alarm' },
    status: 200,
    response: recommendation('rejected'),
    run: (g) => g.notDone(EXAMPLE_ID, 'false-alarm'),
  },
  {
    description: 'say what was found after a prompt was done',
    state: 'a prompt marked done',
    method: 'POST',
    path: `${R}/outcome`,
    pathTemplate: `${RT}/outcome`,
    body: { outcome: 'event-prevented' },
    status: 200,
    response: recommendation('accepted'),
    run: (g) => g.outcome(EXAMPLE_ID, 'event-prevented'),
  },
  {
    description: 'the decision history of a prompt',
    state: 'a prompt marked done',
    params: { role: 'auditor' },
    method: 'GET',
    path: `${R}/events`,
    pathTemplate: `${RT}/events`,
    status: 200,
    response: {
      events: [
        { type: 'RecommendationRaised', recordedAt: '2026-03-05T10:00:00.000Z', actor: 'svc:inference', role: 'service', modelVersionId: null, data: {} },
      ],
    },
    run: (g) => g.history(EXAMPLE_ID),
  },
  {
    description: 'report a problem no prompt announced',
    state: 'an open rule-based prompt',
    method: 'POST',
    path: '/api/v1/problems',
    body: { assetPath: EXAMPLE_ASSET, description: 'Seal leaking', severity: 'minor', missedFailure: false },
    status: 200,
    response: { problemId: EXAMPLE_ID },
    regex: { '$.problemId': UUID },
    run: (g) => g.reportProblem({ assetPath: EXAMPLE_ASSET, description: 'Seal leaking', severity: 'minor', missedFailure: false }),
  },
  {
    description: 'the modes of lines and assets',
    state: 'an asset switched to manual',
    method: 'GET',
    path: '/api/v1/modes',
    status: 200,
    response: { modes: {} },
    run: (g) => g.modes(),
  },
  {
    description: 'switch an asset to manual',
    state: 'an asset in auto',
    method: 'PUT',
    path: `/api/v1/modes/${EXAMPLE_ASSET}`,
    pathTemplate: `/api/v1/modes/${fromState('assetPath')}`,
    body: { mode: 'manual', reason: 'Operator took manual control' },
    status: 200,
    response: { path: EXAMPLE_ASSET, mode: 'manual', previousMode: 'auto' },
    run: (g) => g.setMode(EXAMPLE_ASSET, 'manual', 'Operator took manual control'),
  },
  {
    description: 'input drift of a use case',
    state: 'an open rule-based prompt',
    params: { role: 'auditor' },
    method: 'GET',
    path: `/api/v1/drift/${PUMP_USE_CASE}`,
    status: 200,
    response: { useCaseId: PUMP_USE_CASE, features: [], severity: 'none' },
    run: (g) => g.drift(PUMP_USE_CASE),
  },
  {
    description: 'drift evaluations of a use case over time, with the pause threshold',
    state: 'an open rule-based prompt',
    params: { role: 'engineer' },
    method: 'GET',
    path: '/api/v1/drift/history',
    query: `useCaseId=${PUMP_USE_CASE}`,
    status: 200,
    response: { useCaseId: PUMP_USE_CASE, pauseThreshold: 0.25, warnThreshold: 0.1, points: [] },
    run: (g) => g.driftHistory(PUMP_USE_CASE),
  },
  {
    description: 'the shadow view of a use case: per candidate a summary, the compared prompts newest first',
    state: 'an open rule-based prompt',
    params: { role: 'engineer' },
    method: 'GET',
    path: '/api/v1/shadow/comparisons',
    query: `useCaseId=${PUMP_USE_CASE}&pageSize=50`,
    status: 200,
    response: { comparisons: [], nextPageToken: '', summaries: [] },
    run: (g) => g.shadowComparisons(PUMP_USE_CASE, { pageSize: 50 }),
  },
  {
    description: 'every asset of the plant with its monitoring state per use case',
    state: 'an open rule-based prompt',
    method: 'GET',
    path: '/api/v1/assets',
    status: 200,
    response: {
      assets: [
        {
          assetPath: EXAMPLE_ASSET,
          assetKind: 'pump',
          name: 'Pump 4',
          area: 'utilities',
          line: 'cooling-water',
          useCases: [
            { useCaseId: PUMP_USE_CASE, name: 'Pump bearing failure', state: 'monitored', since: '2026-03-05T10:00:00.000Z', reason: 'readings fresh' },
          ],
        },
      ],
    },
    regex: { '$.assets[*].useCases[*].state': '^(warming_up|monitored|stale_data|manual|rules|not_served)$' },
    run: (g) => g.assets(),
  },
];

export function interactionOf(s: Spec): HttpInteraction {
  const rules = likeBody(s.response);
  // an empty example array or object says nothing about elements: type only
  for (const [path, regex] of Object.entries(s.regex ?? {})) rules[path] = { matchers: [{ match: 'regex', regex }] };
  return {
    description: s.description,
    providerStates: [{ name: s.state, params: { role: s.params?.role ?? 'operator' } }],
    request: {
      method: s.method,
      path: s.path,
      ...(s.query ? { query: s.query } : {}),
      headers: { accept: 'application/json', ...(s.body === undefined ? {} : json) },
      ...(s.body === undefined ? {} : { body: s.body }),
      ...(s.pathTemplate ? { generators: { path: { type: 'ProviderState' as const, expression: s.pathTemplate } } } : {}),
    },
    response: { status: s.status, headers: json, body: s.response, matchingRules: { body: rules } },
    ...(s.pending ? { pending: true } : {}),
  };
}

export const gatewayPact = (): HttpPact => ({
  consumer: { name: 'web-hmi' },
  provider: { name: 'inference-gateway' },
  interactions: SPECS.map(interactionOf),
  metadata: { pactSpecification: { version: '3.0.0' }, generatedBy: GENERATED_BY },
});

/** The feed (`GET /api/v1/feed`, Server-Sent Events) as messages: `event` names the SSE event, the contents are its data. */
export const FEED_MESSAGES: MessageInteraction[] = [
  {
    description: 'the snapshot sent when the feed opens',
    providerStates: [{ name: 'an open rule-based prompt', params: { role: 'operator' } }],
    contents: { recommendations: [recommendation('open')], modes: {} },
    matchingRules: { body: likeBody({ recommendations: [recommendation('open')], modes: {} }) },
    metaData: { event: 'snapshot', contentType: 'application/json' },
  },
  {
    description: 'a RecommendationRaised integration event',
    providerStates: [{ name: 'a prompt is raised while the feed is open', params: { role: 'operator' } }],
    contents: { type: 'RecommendationRaised', recommendationId: EXAMPLE_ID, assetPath: EXAMPLE_ASSET },
    matchingRules: {
      body: {
        ...likeBody({ type: '', recommendationId: EXAMPLE_ID, assetPath: EXAMPLE_ASSET }),
        '$.type': { matchers: [{ match: 'regex', regex: '^RecommendationRaised$' }] },
      },
    },
    metaData: { event: 'recommendation', contentType: 'application/json' },
  },
  {
    description: 'a RecommendationAcknowledged integration event',
    providerStates: [{ name: 'a prompt is acknowledged while the feed is open', params: { role: 'operator' } }],
    contents: { type: 'RecommendationAcknowledged', recommendationId: EXAMPLE_ID },
    matchingRules: {
      body: { ...likeBody({ type: '', recommendationId: EXAMPLE_ID }), '$.type': { matchers: [{ match: 'regex', regex: '^RecommendationAcknowledged$' }] } },
    },
    metaData: { event: 'recommendation', contentType: 'application/json' },
  },
  {
    description: 'a RecommendationShelved integration event',
    providerStates: [{ name: 'a prompt is shelved while the feed is open', params: { role: 'operator' } }],
    contents: { type: 'RecommendationShelved', recommendationId: EXAMPLE_ID, until: '2026-03-05T10:17:00.000Z', reason: 'Fitter already on the way' },
    matchingRules: {
      body: {
        ...likeBody({ type: '', recommendationId: EXAMPLE_ID, until: '2026-03-05T10:17:00.000Z', reason: 'Fitter already on the way' }),
        '$.type': { matchers: [{ match: 'regex', regex: '^RecommendationShelved$' }] },
      },
    },
    metaData: { event: 'recommendation', contentType: 'application/json' },
  },
  {
    description: 'an AssetModeChanged integration event',
    providerStates: [{ name: 'an asset is switched to manual while the feed is open', params: { role: 'operator' } }],
    contents: { type: 'AssetModeChanged', path: EXAMPLE_ASSET, to: 'manual', actor: 'operator-1' },
    matchingRules: {
      body: {
        ...likeBody({ type: '', path: EXAMPLE_ASSET, to: 'manual', actor: 'operator-1' }),
        '$.type': { matchers: [{ match: 'regex', regex: '^AssetModeChanged$' }] },
      },
    },
    metaData: { event: 'mode', contentType: 'application/json' },
  },
];

export const feedPact = (): MessagePact => ({
  consumer: { name: 'web-hmi' },
  provider: { name: 'inference-feed' },
  messages: FEED_MESSAGES,
  metadata: { pactSpecification: { version: '3.0.0' }, generatedBy: GENERATED_BY },
});
