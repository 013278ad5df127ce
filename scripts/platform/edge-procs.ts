// Process running shared by `npm run central` and `npm run edge`: each process with its own
// environment, its output prefixed with its name, and one stop for all (SIGTERM, then exit) when
// one of them dies or the launcher is stopped. (cluster.ts does the same for `npm run cluster`.)
import { spawn, type ChildProcess } from 'node:child_process';

export interface Proc {
  name: string;
  entry: string;
  env: Record<string, string>;
}

export function runProcs(procs: readonly Proc[], onStop: () => void = () => undefined): { stopAll(code: number): void } {
  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = (code: number): void => {
    if (stopping) return;
    stopping = true;
    for (const c of children) c.kill('SIGTERM');
    const done = () => {
      onStop();
      process.exit(code);
    };
    setTimeout(done, 15_000).unref();
    void Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r))))).then(done);
  };
  for (const p of procs) {
    const child = spawn(process.execPath, ['--import', 'tsx', p.entry], { env: { ...process.env, ...p.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const prefix = `${p.name.padEnd(12)} │ `;
    process.stdout.write(`${prefix}started (pid ${child.pid ?? '?'})\n`);
    for (const s of [child.stdout, child.stderr]) {
      let buf = '';
      s?.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          process.stdout.write(`${prefix}${buf.slice(0, nl)}\n`);
          buf = buf.slice(nl + 1);
        }
      });
    }
    child.on('exit', (code, signal) => {
      process.stdout.write(`${prefix}exited (${signal ?? code})\n`);
      if (!stopping) {
        process.stdout.write(`${p.name} stopped unexpectedly; stopping\n`);
        stopAll(1);
      }
    });
  }
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));
  return { stopAll };
}
