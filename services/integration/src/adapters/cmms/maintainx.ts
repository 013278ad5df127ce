// REST connector for MaintainX's public work-order API (v1, https://api.getmaintainx.com/v1, bearer
// API key), from its published reference: POST /workorders creates a work order (title,
// description, priority NONE|LOW|MEDIUM|HIGH, dueDate, externalData — "extra data … to reference a
// matching record in an external system"), GET /workorders/{id} reads one (status OPEN,
// IN_PROGRESS, ON_HOLD, DONE), GET /workorders lists them (cursor paging). MaintainX takes no
// idempotency key, so the action's key goes into externalData.platformKey and, after an attempt
// that got no answer, the list is searched for it before creating again: one work order per prompt.
// The technician's finding is read from a custom field (extraFields, default label "Finding").
import type { AttemptResult } from '../../domain/outbound.ts';
import type { Connector, OutboundRequest, WorkOrderReader, WorkOrderState } from '../../ports.ts';
import { httpAttempt } from '../http/client.ts';

export interface MaintainxOptions {
  name: string;
  /** https://api.getmaintainx.com/v1 in production; a stub's URL in tests. */
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  /** Custom field holding the technician's finding. Default "Finding". */
  findingField?: string;
  /** Pages of the list searched for an earlier attempt's work order. Default 5. */
  maxLookupPages?: number;
}

const PRIORITY = { low: 'LOW', medium: 'MEDIUM', high: 'HIGH', critical: 'HIGH' } as const;

interface MxWorkOrder {
  id?: number | string;
  status?: string;
  externalData?: { platformKey?: string } | null;
  extraFields?: Record<string, unknown> | null;
  completedAt?: string | null;
  updatedAt?: string | null;
}

export function workOrderPayload(r: OutboundRequest): Record<string, unknown> {
  const p = r.prompt;
  return {
    title: (p.message ?? `Check ${p.assetPath}`).slice(0, 120),
    description: [p.message ?? '', `Asset: ${p.assetPath}`, `Prompt: ${p.recommendationId}`, `Reference: ${r.idempotencyKey}`].filter(Boolean).join('\n'),
    priority: PRIORITY[p.priority],
    ...(p.actBy ? { dueDate: p.actBy } : {}),
    categories: [r.kind === 'quality-check' ? 'Inspection' : 'Corrective'],
    externalData: { platformKey: r.idempotencyKey, recommendationId: p.recommendationId, assetPath: p.assetPath },
  };
}

export function maintainxConnector(o: MaintainxOptions): Connector & WorkOrderReader {
  const headers = { authorization: `Bearer ${o.apiKey}`, 'content-type': 'application/json', accept: 'application/json' };
  const timeoutMs = o.timeoutMs ?? 10_000;
  const base = o.baseUrl.replace(/\/$/, '');

  async function findExisting(key: string): Promise<string | null | AttemptResult> {
    let cursor: string | null = null;
    for (let page = 0; page < (o.maxLookupPages ?? 5); page++) {
      const q = new URLSearchParams({ limit: '100', ...(cursor ? { cursor } : {}) });
      const a = await httpAttempt({ url: `${base}/workorders?${q}`, method: 'GET', headers, timeoutMs });
      if (!a.ok) return a.failure;
      const body = a.json as { workOrders?: MxWorkOrder[]; nextCursor?: string | null } | null;
      const hit = body?.workOrders?.find((w) => w.externalData?.platformKey === key);
      if (hit?.id !== undefined) return String(hit.id);
      cursor = body?.nextCursor ?? null;
      if (cursor === null) return null;
    }
    return null;
  }

  return {
    name: o.name,
    async send(r) {
      if (r.attempt > 1) {
        const found = await findExisting(r.idempotencyKey);
        if (typeof found === 'string') return { ok: true, externalId: found, alreadyThere: true, recipient: null };
        if (found !== null) return found;
      }
      const a = await httpAttempt({ url: `${base}/workorders`, method: 'POST', headers, body: JSON.stringify(workOrderPayload(r)), timeoutMs });
      if (!a.ok) return a.failure;
      const id = (a.json as MxWorkOrder | null)?.id;
      if (id === undefined) return { ok: false, status: a.status, reason: 'MaintainX answered without a work order id', permanent: true };
      return { ok: true, externalId: String(id), alreadyThere: false, recipient: null };
    },
    async workOrder(externalId): Promise<WorkOrderState | null> {
      const a = await httpAttempt({ url: `${base}/workorders/${encodeURIComponent(externalId)}`, method: 'GET', headers, timeoutMs });
      if (!a.ok) {
        if (a.failure.status === 404) return null;
        throw new Error(`MaintainX work order ${externalId}: ${a.failure.reason}`);
      }
      const w = a.json as MxWorkOrder;
      const finding = w.extraFields?.[o.findingField ?? 'Finding'];
      const completed = w.status === 'DONE' || w.status === 'COMPLETED';
      return {
        externalId,
        completed,
        finding: typeof finding === 'string' ? finding : null,
        completedAt: completed ? (w.completedAt ?? w.updatedAt ?? null) : null,
      };
    },
  };
}
