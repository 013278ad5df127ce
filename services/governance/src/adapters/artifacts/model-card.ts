// The ModelCardReader over training's artifacts: a `file://` model card JSON, read only when its
// sha256 is the one recorded at registration, and its `stress` section (packages/ml StressResult)
// checked for shape. Other schemes (s3://, …) are not read by governance yet: the stress gate then
// says so instead of passing.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { StressEvidence } from '../../domain/gates.ts';
import type { ModelCardReader } from '../../ports.ts';

const Stress = z.object({
  metric: z.string(),
  baseline: z.number(),
  noise: z.array(z.object({ sigma: z.number(), value: z.number(), drop: z.number() })),
  dropped: z.array(z.object({ sensor: z.string(), value: z.number(), drop: z.number() })),
});

export function createFileModelCards(): ModelCardReader {
  return {
    async stress(card): Promise<StressEvidence | { unavailable: string }> {
      if (!card.uri.startsWith('file://')) return { unavailable: `model card ${card.uri} is not a file:// artifact governance can read` };
      let bytes: Buffer;
      try {
        bytes = await readFile(fileURLToPath(card.uri));
      } catch (error) {
        return { unavailable: `model card ${card.uri} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
      }
      const sha = createHash('sha256').update(bytes).digest('hex');
      if (sha !== card.sha256) return { unavailable: `model card ${card.uri} has sha256 ${sha}, not the registered ${card.sha256}` };
      let json: unknown;
      try {
        json = JSON.parse(bytes.toString('utf8'));
      } catch {
        return { unavailable: `model card ${card.uri} is not JSON` };
      }
      const parsed = Stress.safeParse((json as { stress?: unknown } | null)?.stress);
      return parsed.success ? parsed.data : { unavailable: `model card ${card.uri} has no stress results` };
    },
  };
}
