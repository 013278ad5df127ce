// Entry of the `token` CLI: `npx tsx packages/access/src/cli.ts <command>` or `npm run token -- <command>`.
import { processIo, runCli } from './cli-run.ts';

try {
  process.exitCode = await runCli(process.argv.slice(2), processIo);
} catch (error) {
  // Unexpected failures only; the message, never a dump of objects that might hold key material.
  process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
