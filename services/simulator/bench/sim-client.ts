// Bench helper, run as a child process so its CPU is not counted against the simulator:
// subscribes to the given node ids over SignAndEncrypt and reports notifications received.
import {
  AttributeIds,
  ClientMonitoredItemGroup,
  ClientSubscription,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  TimestampsToReturn,
  UserTokenType,
} from 'node-opcua';

const [endpoint, pki, user, password, seconds, ...nodeIds] = process.argv.slice(2);
const certs = new OPCUACertificateManager({ rootFolder: pki!, automaticallyAcceptUnknownCertificate: true });
const client = OPCUAClient.create({
  securityMode: MessageSecurityMode.SignAndEncrypt,
  securityPolicy: SecurityPolicy.Basic256Sha256,
  endpointMustExist: false,
  clientCertificateManager: certs,
  connectionStrategy: { maxRetry: 0 },
});
await client.connect(endpoint!);
const session = await client.createSession({ type: UserTokenType.UserName, userName: user!, password: password! });
const sub = await ClientSubscription.create(session, {
  requestedPublishingInterval: 500,
  requestedLifetimeCount: 60,
  requestedMaxKeepAliveCount: 10,
  maxNotificationsPerPublish: 0,
  publishingEnabled: true,
  priority: 1,
});
let notifications = 0;
const group = await ClientMonitoredItemGroup.create(
  sub,
  nodeIds.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })),
  { samplingInterval: 100, queueSize: 10, discardOldest: true },
  TimestampsToReturn.Both,
);
group.on('changed', () => {
  notifications += 1;
});
process.stdout.write('subscribed\n');
await new Promise((r) => setTimeout(r, Number(seconds) * 1000));
await sub.terminate();
await session.close();
await client.disconnect();
await certs.dispose();
process.stdout.write(`${JSON.stringify({ notifications, items: nodeIds.length })}\n`);
