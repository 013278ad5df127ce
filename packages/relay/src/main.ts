// Relay process for cluster mode: one runService call (service.ts). It stops on SIGTERM/SIGINT (also
// while its start still waits, e.g. for NATS), or when the relay ends by itself (lease lost, failure).
import { runService } from '@industrial/kernel/service';
import { relayService } from './service.ts';

let ended!: (why: string) => void;
const relayEnded = new Promise<string>((resolve) => (ended = resolve));
process.exit(await runService(relayService({ onEnded: ended }), { ended: relayEnded }));
