import { describe } from 'vitest';
import { runEventStoreContract } from './eventstore.contract.ts';
import { postgresHarness } from './harness.ts';

describe('event store on PostgreSQL', () => runEventStoreContract(postgresHarness));
