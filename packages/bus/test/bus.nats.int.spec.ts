// The Bus contract against the real NATS JetStream server on loopback. Fails (never skips)
// when the server is unreachable.

import { runBusContract } from './bus.contract.ts';
import { connectNatsBus } from '../src/nats/nats-bus.ts';

const NATS_URL = '127.0.0.1:4222';

runBusContract('NATS JetStream', () => connectNatsBus({ servers: NATS_URL, name: 'bus-contract' }));
