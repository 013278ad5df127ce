import { historianContract } from './historian.contract.ts';
import { postgresStore } from './harness.ts';

historianContract('PostgreSQL', postgresStore);
