import { historianContract } from './historian.contract.ts';
import { sqliteStore } from './harness.ts';

historianContract('node:sqlite', sqliteStore);
