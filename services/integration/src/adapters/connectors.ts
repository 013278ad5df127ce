// Builds the connectors the setup names (secrets read from their files here, once, at start).
import { readFileSync } from 'node:fs';
import type { IntegrationSetup } from '../domain/setup.ts';
import type { Connector, WorkOrderReader } from '../ports.ts';
import { maintainxConnector } from './cmms/maintainx.ts';
import { webhookConnector } from './http/webhook.ts';
import { chatConnector } from './notify/chat.ts';
import { smtpConnector } from './notify/smtp.ts';

const secret = (file: string): string => {
  const s = readFileSync(file, 'utf8').trim();
  if (s === '') throw new Error(`secret file ${file} is empty`);
  return s;
};

export function buildConnectors(setup: IntegrationSetup): { connectors: Map<string, Connector>; readers: Map<string, WorkOrderReader>; close(): void } {
  const connectors = new Map<string, Connector>();
  const readers = new Map<string, WorkOrderReader>();
  const closers: (() => void)[] = [];
  for (const [name, spec] of Object.entries(setup.connectors)) {
    switch (spec.type) {
      case 'maintainx': {
        const c = maintainxConnector({
          name,
          baseUrl: spec.baseUrl,
          apiKey: secret(spec.apiKeyFile),
          ...(spec.findingField ? { findingField: spec.findingField } : {}),
          ...(spec.timeoutMs ? { timeoutMs: spec.timeoutMs } : {}),
        });
        connectors.set(name, c);
        readers.set(name, c);
        break;
      }
      case 'webhook':
        connectors.set(
          name,
          webhookConnector({ name, url: spec.url, secret: secret(spec.secretFile), ...(spec.timeoutMs ? { timeoutMs: spec.timeoutMs } : {}) }),
        );
        break;
      case 'smtp': {
        const c = smtpConnector({
          name,
          host: spec.host,
          port: spec.port,
          from: spec.from,
          ...(spec.secure ? { secure: spec.secure } : {}),
          ...(spec.promptUrl ? { promptUrl: spec.promptUrl } : {}),
        });
        closers.push(() => c.close());
        connectors.set(name, c);
        break;
      }
      case 'chat':
        connectors.set(name, chatConnector({ name, url: spec.url }));
        break;
    }
  }
  return { connectors, readers, close: () => closers.forEach((c) => c()) };
}
