// Relay process for cluster mode: one runService call (service.ts). It stops on SIGTERM/SIGINT, or
// when the relay ends by itself (lease lost, failure).
import { runService } from '@industrial/kernel/service';
import { relayService } from './service.ts';

let ended!: (why: string) => void;
const relayEnded = new Promise<string>((resolve) => (ended = resolve));
const signal = new Promise<string>((resolve) => {
  process.once('SIGTERM', () => resolve('SIGTERM'));
  process.once('SIGINT', () => resolve('SIGINT'));
});
process.exit(await runService(relayService({ onEnded: ended }), { stopSignal: Promise.race([signal, relayEnded]) }));
