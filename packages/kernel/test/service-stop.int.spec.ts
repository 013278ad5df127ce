// runService as a process: a SIGTERM while the start still waits (for a stream's owner, a database)
// stops the process with exit 0 and closes what the start opened (also what it opens after the signal:
// ctx.signal is aborted); one signal is enough, and the line names what the start waited for.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/waiting-service.ts', import.meta.url));
const endingFixture = fileURLToPath(new URL('./fixtures/ending-service.ts', import.meta.url));

describe('runService stopped while starting', () => {
  it('exits 0 on the first SIGTERM, naming the signal and what it waited for, and closes what the start opened', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    for (const t = Date.now(); !out.includes('waiting for a dependency'); await new Promise((r) => setTimeout(r, 50)))
      if (Date.now() - t > 60_000) throw new Error(`never started: ${out}${err}`);
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 20_000))]);
    if (code === 'still running') child.kill('SIGKILL');
    expect(code, err).toBe(0);
    expect(err).toContain('waiting: stopped by SIGTERM while starting, waiting for a dependency at test://nowhere');
    expect(out).toContain('closed what the start opened\n');
    expect(out).toContain('closed what the start opened after the signal\n');
  }, 90_000);

  it('stops a started service that ended by itself (RunOptions.ended, the relay losing its lease): exit 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', endingFixture], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const code = await Promise.race([exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), 60_000))]);
    if (code === 'still running') child.kill('SIGKILL');
    expect(code, out).toBe(0);
    expect(out).toContain('ending ready working\n');
    expect(out).toContain('stop ran\n');
  }, 90_000);
});
