// Process running shared by `npm run central`, `npm run edge` and `npm run cluster`: each process with
// its own environment, its output prefixed with its name, and one stop for all (SIGTERM, then exit)
// when one of them dies (unless `keepGoing`: the kill test leaves a dead one dead) or the launcher is stopped.
// A process still running STOP_GRACE_MS after SIGTERM is killed (SIGKILL) and named, and the
// launcher then exits 1, as it does when a process exits other than with 0 on SIGTERM: nothing is
// left behind, and an unclean stop is not reported as clean.
import { spawn, type ChildProcess } from 'node:child_process';

export interface Proc {
  name: string;
  entry: string;
  env: Record<string, string>;
}

const STOP_GRACE_MS = 30_000;

export interface RunOptions {
  /** A process that dies is left dead and the rest carry on (CLUSTER_KEEP_GOING=1, the kill test). */
  readonly keepGoing?: boolean;
}

export function runProcs(procs: readonly Proc[], onStop: () => void = () => undefined, options: RunOptions = {}): { stopAll(code: number): void } {
  const children: ChildProcess[] = [];
  let stopping = false;
  /** A process that exited other than with 0 while being stopped. */
  const unclean: string[] = [];
  const stopAll = (code: number): void => {
    if (stopping) return;
    stopping = true;
    for (const c of children) c.kill('SIGTERM');
    const done = () => {
      onStop();
      if (unclean.length > 0) process.stdout.write(`stopped uncleanly: ${unclean.join(', ')}\n`);
      process.exit(code === 0 && unclean.length > 0 ? 1 : code);
    };
    const running = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;
    setTimeout(() => {
      const left = procs.filter((_, i) => running(children[i]!));
      if (left.length > 0) {
        process.stdout.write(`not stopped ${STOP_GRACE_MS / 1000} s after SIGTERM, killed: ${left.map((p) => p.name).join(', ')}\n`);
        for (const c of children.filter(running)) c.kill('SIGKILL');
        code = 1;
      }
      done();
    }, STOP_GRACE_MS).unref();
    void Promise.all(children.map((c) => new Promise((r) => (running(c) ? c.once('exit', r) : r(null))))).then(done);
  };
  for (const p of procs) {
    // A built entry (the HMI's server.js) runs as is; a TypeScript one through tsx.
    const args = p.entry.endsWith('.js') ? [p.entry] : ['--import', 'tsx', p.entry];
    const child = spawn(process.execPath, args, { env: { ...process.env, ...p.env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
      if (stopping && code !== 0) unclean.push(`${p.name} (${signal ?? code})`);
      if (!stopping && options.keepGoing !== true) {
        process.stdout.write(`${p.name} stopped unexpectedly; stopping\n`);
        stopAll(1);
      }
    });
  }
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));
  return { stopAll };
}
