// The simulator process: one runService call (service.ts says what it opens and prints).
import { runService } from '@industrial/kernel/service';
import { simulatorService } from './service.ts';

process.exit(await runService(simulatorService({ argv: process.argv.slice(2), cwd: process.cwd() })));
