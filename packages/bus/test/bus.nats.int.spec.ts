// The Bus contract against the real NATS JetStream server on loopback (also under a deployment
// prefix). Fails (never skips)
// when the server is unreachable.

import { runBusContract } from './bus.contract.ts';
import { connectNatsBus } from '../src/nats/nats-bus.ts';

const NATS_URL = '127.0.0.1:4222';

runBusContract('NATS JetStream', () => connectNatsBus({ servers: NATS_URL, name: 'bus-contract' }));

// The same contract with a deployment prefix: every stream, subject and dead letter under it.
runBusContract('NATS JetStream with a deployment prefix', () => connectNatsBus({ servers: NATS_URL, name: 'bus-contract-prefixed', prefix: 'contract_p' }));
