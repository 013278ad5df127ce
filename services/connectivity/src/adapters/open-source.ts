// The Source port's factory: an OPC UA client (with the process's client PKI) or an MQTT client
// (JSON or Sparkplug B), by the spec's protocol. The features never see which.
import type { OPCUACertificateManager } from 'node-opcua';
import type { OpenSource } from '../ports.ts';
import { MqttSource } from './mqtt/mqtt-source.ts';
import { OpcUaSource } from './opcua/opcua-source.ts';

export interface SourceOpenerOptions {
  certificateManager: OPCUACertificateManager;
  applicationUri: string;
  /** OPC UA reconnection backoff, ms. */
  reconnect: { initialDelayMs: number; maxDelayMs: number };
}

export function sourceOpener(o: SourceOpenerOptions): OpenSource {
  return (spec, events) =>
    spec.protocol === 'opcua'
      ? new OpcUaSource({
          spec,
          certificateManager: o.certificateManager,
          applicationName: 'industrial-connectivity',
          applicationUri: o.applicationUri,
          initialDelayMs: o.reconnect.initialDelayMs,
          maxDelayMs: o.reconnect.maxDelayMs,
          handlers: events,
        })
      : new MqttSource(spec, events);
}
