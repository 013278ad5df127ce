// HTML → PDF with the machine's Chromium (headless --print-to-pdf), for the auditor's export.
// HMI_CHROMIUM names the browser (default /usr/bin/chromium); without one the export stays HTML.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export function chromiumPath(): string | null {
  const p = process.env.HMI_CHROMIUM?.trim() || '/usr/bin/chromium';
  return existsSync(p) ? p : null;
}

/** Prints the HTML to a PDF; the temporary directory is removed afterwards. */
export async function htmlToPdf(html: string, chromium: string, timeoutMs = 60_000): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'hmi-pdf-'));
  try {
    const page = join(dir, 'export.html');
    const out = join(dir, 'export.pdf');
    await writeFile(page, html);
    await new Promise<void>((resolve, reject) =>
      execFile(
        chromium,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          `--user-data-dir=${join(dir, 'profile')}`,
          '--no-pdf-header-footer',
          `--print-to-pdf=${out}`,
          pathToFileURL(page).href,
        ],
        { timeout: timeoutMs },
        (error) => (error ? reject(error) : resolve()),
      ),
    );
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
