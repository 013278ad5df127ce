import { describe } from 'vitest';
import { runEventStoreContract } from './eventstore.contract.ts';
import { sqliteHarness } from './harness.ts';

describe('event store on embedded SQLite', () => runEventStoreContract(sqliteHarness));
