// A relay in its own process (for the SIGKILL takeover test).
import { connectNatsBus } from '@industrial/bus';
import { ledgerKeyFromPem, openPostgresEventStore } from '@industrial/eventstore';
import { readFileSync } from 'node:fs';
import { createRelay, pgCoordination } from '../src/index.ts';

const [pgUrl, schema, keyFile, stream, prefix] = process.argv.slice(2) as [string, string, string, string, string];
const store = await openPostgresEventStore({ connectionString: pgUrl, schema, ledgerKey: ledgerKeyFromPem(readFileSync(keyFile, 'utf8')) });
const bus = await connectNatsBus({ servers: 'nats://127.0.0.1:4222' });
const { lease, checkpoints } = pgCoordination({ connectionString: pgUrl, name: schema, pollMs: 100 });
let n = 0;
const relay = createRelay({
  store,
  bus,
  lease,
  checkpoints,
  streamName: stream,
  subjectPrefix: prefix,
  checkpointEveryMs: 20,
  logger: { info: (_f, m) => process.stdout.write(`info ${m}\n`), warn: (_f, m) => process.stdout.write(`warn ${m}\n`) },
  onPublished: () => {
    if (++n % 50 === 0) process.stdout.write(`published ${n}\n`);
  },
});
process.on('SIGTERM', () => void relay.stop().then(() => process.exit(0)));
await relay.run();
await store.close();
await bus.drain();
