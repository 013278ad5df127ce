// axe-core in the page (the package's own axe.min.js injected by playwright-core): the serious and
// critical violations of the page as it is now, at the viewport it has.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface Violation {
  page: string;
  viewport: string;
  id: string;
  impact: string;
  nodes: string[];
}

export async function seriousViolations(page: Page): Promise<Violation[]> {
  // expressions as strings: this workspace is typed for Node, not the DOM
  if (!(await page.evaluate<boolean>("'axe' in window"))) await page.addScriptTag({ content: source });
  const result = await page.evaluate<{ violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] }>(
    "axe.run(document, { resultTypes: ['violations'] })",
  );
  const size = page.viewportSize();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      page: new URL(page.url()).pathname,
      viewport: size ? `${size.width}x${size.height}` : '?',
      id: v.id,
      impact: v.impact ?? '',
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
}

/** The violations at 1280×800 and 1024×768 (the page reloaded at each size), and whether it scrolls sideways at 1024. */
export async function checkBothSizes(page: Page): Promise<{ violations: Violation[]; sideways1024: boolean }> {
  const out: Violation[] = [];
  let sideways = false;
  for (const [width, height] of [
    [1280, 800],
    [1024, 768],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(50);
    out.push(...(await seriousViolations(page)));
    if (width === 1024) sideways = await page.evaluate<boolean>('document.documentElement.scrollWidth > document.documentElement.clientWidth + 1');
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  return { violations: out, sideways1024: sideways };
}
