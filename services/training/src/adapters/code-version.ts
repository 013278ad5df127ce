// The code version recorded with every run: the git commit of the working tree when git answers,
// else the training package version.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const PACKAGE_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function detectCodeVersion(cwd: string = new URL('.', import.meta.url).pathname): string {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 }).trim();
    if (/^[0-9a-f]{40}$/.test(sha)) return sha;
  } catch {
    // no git, or not a checkout
  }
  return PACKAGE_VERSION;
}
