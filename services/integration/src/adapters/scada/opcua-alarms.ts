// Prompts as OPC UA Alarms & Conditions (node-opcua): one AlarmConditionType instance per open
// prompt under Objects/Prompts/<asset>, the asset object an event source of the Server object (so
// a SCADA client subscribed to the Server's events sees the prompts beside its own alarms). An
// Acknowledge called from the SCADA side is recorded as the operator's decision through inference's
// acknowledge command; an acknowledge made on the HMI acknowledges the condition; the condition is
// deactivated when the prompt is done.
import path from 'node:path';
import {
  DataType,
  type LocalizedText,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAServer,
  SecurityPolicy,
  StatusCodes,
  type Namespace,
  type UAAlarmConditionEx,
  type UAObject,
} from 'node-opcua';
import type { PromptFollower } from '../../features/prompts.ts';
import type { AcknowledgeCommand, PromptView } from '../../ports.ts';

export interface OpcuaAlarmsOptions {
  host: string;
  port: number;
  pkiDir: string;
  /** Loopback tests and trusted networks only: SecurityPolicy None and anonymous sessions. */
  allowInsecure: boolean;
  acknowledge: AcknowledgeCommand;
  onAcknowledgeError?: (error: unknown, recommendationId: string) => void;
}

export interface OpcuaAlarms extends PromptFollower {
  readonly endpoint: string;
  /** NodeId of the condition of an open prompt. */
  conditionOf(recommendationId: string): string | undefined;
  stop(): Promise<void>;
}

const SEVERITY = { low: 250, medium: 500, high: 750, critical: 950 } as const;

export async function startOpcuaAlarms(o: OpcuaAlarmsOptions): Promise<OpcuaAlarms> {
  const serverCertificateManager = new OPCUACertificateManager({
    rootFolder: path.join(o.pkiDir, 'server'),
    automaticallyAcceptUnknownCertificate: o.allowInsecure,
  });
  const server = new OPCUAServer({
    port: o.port,
    host: o.host,
    alternateHostname: o.host,
    serverCertificateManager,
    securityPolicies: o.allowInsecure ? [SecurityPolicy.None, SecurityPolicy.Basic256Sha256] : [SecurityPolicy.Basic256Sha256],
    securityModes: o.allowInsecure ? [MessageSecurityMode.None, MessageSecurityMode.SignAndEncrypt] : [MessageSecurityMode.SignAndEncrypt],
    allowAnonymous: o.allowInsecure,
    isAuditing: false,
    serverInfo: {
      applicationUri: 'urn:industrial:integration:prompts',
      productUri: 'urn:industrial:integration',
      applicationName: { text: 'Industrial AI prompts' },
    },
    buildInfo: { productName: 'industrial-integration', manufacturerName: 'industrial-ai-platform' },
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  if (!addressSpace) throw new Error('OPC UA address space not available after initialize()');
  const ns: Namespace = addressSpace.getOwnNamespace();
  const serverObject = addressSpace.rootFolder.objects.server;
  const folder = ns.addFolder(addressSpace.rootFolder.objects, { browseName: 'Prompts' });
  const assets = new Map<string, UAObject>();
  const alarms = new Map<string, UAAlarmConditionEx>();
  const fromPlatform = new Set<string>();

  const assetNode = (assetPath: string): UAObject => {
    let node = assets.get(assetPath);
    if (node === undefined) {
      node = ns.addObject({ browseName: assetPath, organizedBy: folder, eventSourceOf: serverObject });
      assets.set(assetPath, node);
    }
    return node;
  };

  await server.start();
  const endpoint = server.getEndpointUrl();

  return {
    endpoint,
    conditionOf: (id) => alarms.get(id)?.nodeId.toString(),
    async raised(p: PromptView) {
      if (alarms.has(p.recommendationId)) return;
      const source = assetNode(p.assetPath);
      const input = ns.addVariable({
        componentOf: source,
        browseName: `in-${p.recommendationId}`,
        dataType: 'Boolean',
        value: { dataType: DataType.Boolean, value: true },
      });
      const alarm = ns.instantiateAlarmCondition('AlarmConditionType', {
        browseName: `Prompt-${p.recommendationId}`,
        componentOf: source,
        conditionSource: source,
        conditionName: p.recommendationId,
        inputNode: input,
      });
      alarm.setEnabledState(true);
      alarm.activateAlarm();
      alarm.raiseNewCondition({
        message: (p.message ?? `Prompt on ${p.assetPath}`).slice(0, 280),
        severity: SEVERITY[p.priority],
        retain: true,
        quality: StatusCodes.Good,
      });
      alarm.on('acknowledged', (_eventId: Buffer | null, comment: LocalizedText) => {
        if (fromPlatform.has(p.recommendationId)) return; // our own mirror of an acknowledge made on the HMI
        const by = comment.text?.trim() ? `opcua:${comment.text.trim().slice(0, 100)}` : 'opcua:operator';
        o.acknowledge.acknowledge(p.recommendationId, by).catch((error: unknown) => o.onAcknowledgeError?.(error, p.recommendationId));
      });
      alarms.set(p.recommendationId, alarm);
    },
    // Acknowledged on the HMI: the condition shows it too (not sent back to inference).
    async acknowledged(p, by) {
      const alarm = alarms.get(p.recommendationId);
      if (alarm === undefined || alarm.currentBranch().getAckedState()) return;
      fromPlatform.add(p.recommendationId);
      try {
        alarm.acknowledgeAndAutoConfirmBranch(alarm.currentBranch(), `acknowledged by ${by}`);
      } finally {
        fromPlatform.delete(p.recommendationId);
      }
    },
    async done(p) {
      const alarm = alarms.get(p.recommendationId);
      if (alarm === undefined) return;
      alarm.deactivateAlarm();
      alarms.delete(p.recommendationId);
    },
    async stop() {
      await server.shutdown(0);
    },
  };
}
