// The integration setup a plant writes (INTEGRATION_SETUP_FILE, JSON): action rules and rosters
// (domain/rules.ts), the connectors they name and the SCADA publishers. Secrets are never in it:
// connectors name files holding their API key or signing secret.
import { z } from 'zod';
import { IntegrationRules } from './rules.ts';

const Name = z.string().regex(/^[a-z0-9_-]{1,64}$/);

export const ConnectorSpec = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('maintainx'),
    baseUrl: z.url(),
    apiKeyFile: z.string().min(1),
    findingField: z.string().min(1).optional(),
    timeoutMs: z.int().min(100).optional(),
  }),
  z.strictObject({ type: z.literal('webhook'), url: z.url(), secretFile: z.string().min(1), timeoutMs: z.int().min(100).optional() }),
  z.strictObject({
    type: z.literal('smtp'),
    host: z.string().min(1),
    port: z.int().min(1).max(65_535),
    from: z.email(),
    secure: z.boolean().optional(),
    promptUrl: z.string().optional(),
  }),
  z.strictObject({ type: z.literal('chat'), url: z.url() }),
]);
export type ConnectorSpec = z.infer<typeof ConnectorSpec>;

export const IntegrationSetup = IntegrationRules.extend({
  connectors: z.record(Name, ConnectorSpec).default({}),
  channels: z.strictObject({ email: Name.optional(), chat: Name.optional() }).default({}),
  retry: z.strictObject({ maxAttempts: z.int().min(1).max(50), baseDelayMs: z.int().min(1), maxDelayMs: z.int().min(1) }).optional(),
  mqtt: z.strictObject({ url: z.string().min(1), unsRoot: z.string().min(1), group: Name, edgeNode: Name }).optional(),
  opcua: z
    .strictObject({ host: z.string().min(1), port: z.int().min(0).max(65_535), pkiDir: z.string().min(1), allowInsecure: z.boolean().default(false) })
    .optional(),
}).superRefine((s, ctx) => {
  for (const [i, r] of s.rules.entries())
    if (!(r.connector in s.connectors))
      ctx.addIssue({ code: 'custom', path: ['rules', i, 'connector'], message: `names no connector ("${r.connector}" is not in connectors)` });
  for (const ch of ['email', 'chat'] as const) {
    const c = s.channels[ch];
    if (c !== undefined && !(c in s.connectors)) ctx.addIssue({ code: 'custom', path: ['channels', ch], message: `names no connector ("${c}")` });
  }
});
export type IntegrationSetup = z.infer<typeof IntegrationSetup>;

export const EMPTY_SETUP: IntegrationSetup = { rules: [], rosters: [], connectors: {}, channels: {} };
