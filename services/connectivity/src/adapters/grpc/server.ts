// placeholder, replaced below
import type { ConnectivityApp } from '../../app.ts';
export async function startGrpc(_app: ConnectivityApp, _o: unknown): Promise<{ port: number; stop(): Promise<void> }> {
  throw new Error('gRPC not wired yet');
}
