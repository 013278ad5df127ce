// npm run bench:prompts — prompt quality against the simulator's ground truth (issue 14, item 3).
// BENCH_PROMPTS_DAYS (default 7) plant-days, BENCH_PROMPTS_SEED (default 14). Progress and the
// details (use cases served, distinct prompts, false ones, prompts during sensor faults, mean load)
// go to stderr and one detail line; the LAST line is the JSON object, exactly its keys.
import { runBench } from './run.ts';
import { scorePrompts } from './score.ts';

const days = Number(process.env.BENCH_PROMPTS_DAYS ?? 7);
const seed = Number(process.env.BENCH_PROMPTS_SEED ?? 14);
if (!(days > 0) || !Number.isFinite(seed)) {
  process.stderr.write('BENCH_PROMPTS_DAYS must be > 0 and BENCH_PROMPTS_SEED a number\n');
  process.exit(2);
}

const out = await runBench({ days, seed, progress: (line) => process.stderr.write(`${line}\n`) });
const { result, detail } = scorePrompts(out.score);
process.stdout.write(
  `${JSON.stringify({ detail: { ...detail, by_source: out.sources, windows: out.windows, use_cases: out.useCases, wall_s: Math.round(out.wallSeconds) } })}\n`,
);
process.stdout.write(`${JSON.stringify(result)}\n`);
