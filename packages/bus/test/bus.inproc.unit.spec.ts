// The Bus contract against the in-process adapter (standalone mode).

import { afterAll } from 'vitest';
import { runBusContract } from './bus.contract.ts';
import { InProcBroker } from '../src/inproc/broker.ts';
import { createInProcBus } from '../src/inproc/inproc-bus.ts';

const broker = new InProcBroker();
afterAll(() => broker.close());

runBusContract('in-process', async () => createInProcBus({ broker }));
