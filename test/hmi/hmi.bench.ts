// npm run bench:hmi — the HMI measured in Chromium (playwright-core + /usr/bin/chromium) against the
// real inference and governance apps (harness.ts): first load of the operator view in a fresh
// browser context (median of 5), the JavaScript that view loads, gzipped as served (precompressed
// .gz files), how long after its RecommendationRaised event is recorded a prompt is on the open
// page (p95 of 10 pumps), and serious/critical axe-core violations over every page of every role
// at 1280×800 and 1024×768. Last line: one JSON object with exactly the keys.
import { request } from 'node:http';
import { chromium, type BrowserContext } from 'playwright-core';
import { checkBothSizes } from './axe.ts';
import { CHROMIUM_ARGS, buildHmi, startHmi, startPlatform } from './harness.ts';

const LINE = 'acme.plant-1.utilities.cooling-water';
const log = (s: string) => process.stderr.write(`${s}\n`);

/** Bytes of a URL as sent with `accept-encoding: gzip` (not decompressed). */
function gzipBytes(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => resolve(n));
    });
    req.on('error', reject);
    req.end();
  });
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? NaN;
};

async function main(): Promise<void> {
  buildHmi();
  const platform = await startPlatform();
  await platform.feedPump(`${LINE}.pump-1`, 35, true);
  const hmi = await startHmi({
    INFERENCE_URL: platform.gatewayUrl,
    ACCESS_KEYS_DIR: platform.keysDir,
    HMI_GOVERNANCE_GRPC: platform.governanceAddress,
    HMI_RATE_PER_TOKEN: 'off',
    HMI_RATE_PER_SOURCE: 'off',
  });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const contextFor = async (token: string): Promise<BrowserContext> => {
    const c = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await c.addCookies([{ name: 'hmi_token', value: token, url: hmi.url }]);
    return c;
  };
  try {
    const operator = await platform.token('operator');
    // first load: a fresh context each time (nothing cached), navigation start → load event
    const loads: number[] = [];
    let scripts = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const c = await contextFor(operator);
      const p = await c.newPage();
      const seen = new Set<string>();
      p.on('response', (r) => {
        if (r.url().endsWith('.js')) seen.add(r.url());
      });
      await p.goto(`${hmi.url}/`, { waitUntil: 'load' });
      loads.push(await p.evaluate<number>("performance.getEntriesByType('navigation')[0].loadEventEnd"));
      scripts = seen;
      await c.close();
    }
    let js = 0;
    for (const u of scripts) js += await gzipBytes(u);
    log(`first loads ${loads.map(Math.round).join(', ')} ms; ${scripts.size} scripts, ${(js / 1024).toFixed(1)} kB gzipped`);

    // prompt on screen after its event: the page open and live, a hot pump fed, the card awaited in the page
    const c = await contextFor(operator);
    const page = await c.newPage();
    await page.goto(`${hmi.url}/`);
    await page.waitForFunction("document.querySelector('[data-testid=connection-state]')?.textContent === 'Live'");
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const asset = `${LINE}.pump-${20 + i}`;
      const name = `Pump ${20 + i}`;
      const seen = page.waitForFunction(
        `[...document.querySelectorAll('[data-testid=card] h2')].some((h) => h.textContent === ${JSON.stringify(name)}) ? Date.now() : false`,
        undefined,
        { polling: 'raf', timeout: 60_000 },
      );
      await platform.feedPump(asset, 35, true);
      const at = Number(await (await seen).jsonValue());
      const all = await platform.store.readAll({ fromPosition: 1, maxCount: 100_000 });
      const raised = all.find((e) => e.type === 'RecommendationRaised' && (e.data as { assetPath?: string }).assetPath === asset);
      if (!raised) throw new Error(`no prompt for ${asset}`);
      latencies.push(at - Date.parse(raised.metadata.recordedAt));
    }
    log(`prompt visible after its event: ${latencies.join(', ')} ms`);
    const recId = String(((await platform.events('RecommendationRaised'))[0]?.data as { recommendationId?: string }).recommendationId);
    await c.close();

    // every page of every role, at both sizes
    const pages: [string, string[]][] = [
      [operator, ['/', '/plant', '/problem', '/modes', `/recommendations/${recId}/outcome`]],
      [await platform.token('engineer'), ['/models', '/drift', '/data']],
      [await platform.token('quality_lead'), ['/approvals']],
      [await platform.token('auditor'), ['/audit', `/audit/${recId}`, '/audit/timeline', `/audit/lineage/${recId}`, '/audit/integrity']],
    ];
    let serious = 0;
    let count = 0;
    for (const [token, paths] of pages) {
      const ctx = await contextFor(token);
      const p = await ctx.newPage();
      for (const path of paths) {
        await p.goto(`${hmi.url}${path}`);
        const r = await checkBothSizes(p);
        serious += r.violations.length;
        count++;
        for (const v of r.violations) log(`axe ${v.impact} ${v.id} on ${v.page} at ${v.viewport}: ${v.nodes.join(' | ')}`);
      }
      await ctx.close();
    }
    const signin = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const sp = await signin.newPage();
    await sp.goto(`${hmi.url}/signin`);
    serious += (await checkBothSizes(sp)).violations.length;
    count++;
    await signin.close();

    console.log(
      JSON.stringify({
        bench: 'hmi',
        pages: count,
        first_load_ms: Math.round(quantile(loads, 0.5)),
        js_kb_gzip: Math.round((js / 1024) * 10) / 10,
        prompt_visible_after_event_p95_ms: Math.round(quantile(latencies, 0.95)),
        axe_serious: serious,
      }),
    );
  } finally {
    await browser.close();
    await hmi.stop();
    await platform.close();
  }
}

await main();
