// Public surface of @industrial/integration: outbound actions (work orders, webhooks), notifications,
// prompts into SCADA (MQTT/Sparkplug B, OPC UA Alarms & Conditions) and the edge ↔ central sync.
export const INTEGRATION_SERVICE = 'integration';
