// E-mail over SMTP (nodemailer): one message per prompt and person. The action's idempotency key
// is the Message-ID, so a mail system that sees a retry after a lost answer can drop the copy.
// A 5xx SMTP reply (mailbox refused) is a refusal; no answer, a refused connection or a 4xx is retried.
import nodemailer from 'nodemailer';
import type { Connector } from '../../ports.ts';

export interface SmtpOptions {
  name: string;
  host: string;
  port: number;
  from: string;
  secure?: boolean;
  auth?: { user: string; pass: string };
  timeoutMs?: number;
  /** Link to the prompt on the HMI; `{id}` is replaced by the recommendation id. */
  promptUrl?: string;
}

export function smtpConnector(o: SmtpOptions): Connector & { close(): void } {
  const transport = nodemailer.createTransport({
    host: o.host,
    port: o.port,
    secure: o.secure ?? false,
    ignoreTLS: o.secure !== true && o.host === '127.0.0.1',
    ...(o.auth ? { auth: o.auth } : {}),
    connectionTimeout: o.timeoutMs ?? 5_000,
    greetingTimeout: o.timeoutMs ?? 5_000,
    socketTimeout: o.timeoutMs ?? 5_000,
  });
  return {
    name: o.name,
    close: () => transport.close(),
    async send(r) {
      if (r.recipient === null) return { ok: false, status: null, reason: 'no e-mail address for this person', permanent: true };
      const p = r.prompt;
      const link = o.promptUrl?.replace('{id}', p.recommendationId);
      try {
        const info = await transport.sendMail({
          from: o.from,
          to: r.recipient,
          subject: `[${p.priority}] ${p.message ?? `Prompt on ${p.assetPath}`}`.slice(0, 200),
          text: [p.message ?? '', `Asset: ${p.assetPath}`, p.actBy ? `Act by: ${p.actBy}` : '', link ? `Open: ${link}` : ''].filter(Boolean).join('\n'),
          messageId: `<${r.idempotencyKey}@industrial-integration>`,
        });
        return { ok: true, externalId: info.messageId ?? null, alreadyThere: false, recipient: r.recipient };
      } catch (error) {
        const e = error as Error & { responseCode?: number; code?: string };
        const code = e.responseCode;
        return {
          ok: false,
          status: null,
          reason: `SMTP ${o.host}:${o.port}: ${code ?? e.code ?? ''} ${e.message}`.slice(0, 500),
          permanent: code !== undefined && code >= 500,
        };
      }
    },
  };
}
