// The operator HMI end to end: the real inference app (in-process bus, SQLite event store, HTTP
// gateway) raises prompts from pump readings; the built HMI (`node build/index.js`) talks to it;
// real Chromium signs in and taps through. No model is promoted, so the prompts come from the
// declared rule-based limits and the cards must say so.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBothSizes } from './axe.ts';
import { CHROMIUM_ARGS, buildHmi, startHmi, startPlatform, type Platform, type RunningHmi } from './harness.ts';

/** expect.poll with room for a loaded machine (2 shared cores): the page's own waits are 15 s. */
const poll = <T>(fn: () => Promise<T> | T, options: { message?: string; timeout?: number } = {}) => expect.poll(fn, { timeout: 20_000, ...options });

// The committed screenshot (README) is refreshed only on request; normal runs write to a temp dir.
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(import.meta.dirname, 'screenshots') : mkdtempSync(join(tmpdir(), 'hmi-shots-'));
const PUMP_4 = 'acme.plant-1.utilities.cooling-water.pump-4';
const PUMP_2 = 'acme.plant-1.utilities.cooling-water.pump-2';
const PUMP_3 = 'acme.plant-1.utilities.cooling-water.pump-3';

let platform: Platform;
let hmi: RunningHmi;
let browser: Browser;

beforeAll(async () => {
  buildHmi();
  platform = await startPlatform();
  await platform.feedPump(PUMP_4, 35, true);
  await platform.feedPump(PUMP_2, 35, true);
  await platform.feedPump(PUMP_3, 35, true);
  await platform.feedPump('acme.plant-1.utilities.cooling-water.pump-1', 35, false);
  // a short shelving choice (10 s) besides the plant's, so the test sees a prompt come back by itself
  hmi = await startHmi({ INFERENCE_URL: platform.gatewayUrl, ACCESS_KEYS_DIR: platform.keysDir, HMI_SHELVE_CHOICES: '10s,15m,1h,shift' });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await hmi?.stop();
  await platform?.close();
});

async function signIn(role: 'operator' | 'auditor'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${hmi.url}/`);
  expect(new URL(page.url()).pathname).toBe('/signin');
  await page.getByLabel('Scan your badge or paste your token').fill(await platform.token(role));
  await page.getByRole('button', { name: 'Sign in' }).click();
  try {
    await page.waitForURL((u) => u.pathname !== '/signin');
  } catch (error) {
    throw new Error(`sign-in did not leave /signin; page says: ${await page.locator('main').textContent()}\nHMI output:\n${hmi.output().slice(-3000)}`, {
      cause: error,
    });
  }
  return page;
}

const card = (page: Page, asset: string) => page.getByTestId('card').filter({ has: page.getByRole('heading', { name: asset }) });

describe('when a pump bearing runs hot and the operator works the prompt', () => {
  it('shows the prompt as a card, and Acknowledge → Done → "Worn part" closes it with events by the operator', async () => {
    const raised = (await platform.events('RecommendationRaised')).filter((e) => e.data.assetPath === PUMP_4 && e.data.mode === 'production');
    expect(raised.length).toBeGreaterThan(0);
    const id = raised[0]!.data.recommendationId as string;

    const page = await signIn('operator');
    const pump4 = card(page, 'Pump 4');
    await poll(() => pump4.count()).toBe(1);
    await poll(() => pump4.getByTestId('message').textContent()).toMatch(/Pump 4.*bearing/i);
    expect(await pump4.getByTestId('rule-based').textContent()).toBe('Rule-based (model not in use)');
    expect(await pump4.getByRole('timer').textContent()).toMatch(/left|overdue/);
    // no probabilities or model jargon on the operator's screen
    expect(await page.locator('main').textContent()).not.toMatch(/probab|score|threshold|confidence|%/i);
    await poll(() => page.getByTestId('connection-state').textContent()).toBe('Live');
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'now.png') });

    await pump4.getByRole('button', { name: 'Acknowledge: Pump 4', exact: true }).click();
    // said once, with who and when; the Acknowledge button is gone
    await poll(() => pump4.getByTestId('acknowledged').textContent()).toMatch(/^Acknowledged by operator-1 at .*\d\d:\d\d/);
    expect(await pump4.getByRole('button', { name: 'Acknowledge: Pump 4', exact: true }).count()).toBe(0);
    expect(await pump4.getByText('Acknowledged').count()).toBe(1);
    await pump4.getByRole('button', { name: 'Done: Pump 4', exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/recommendations/${id}/outcome`);
    await poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('What did you find on Pump 4?');
    await page.getByRole('button', { name: /Worn part/ }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await poll(() => card(page, 'Pump 4').count()).toBe(0);
    expect(await card(page, 'Pump 2').count()).toBe(1);

    for (const type of ['RecommendationAcknowledged', 'RecommendationAccepted', 'OutcomeRecorded']) {
      const e = (await platform.events(type)).find((x) => x.data.recommendationId === id);
      expect(e, type).toBeDefined();
      expect(e!.metadata.actor).toBe('operator-1');
    }
    expect((await platform.events('OutcomeRecorded')).find((x) => x.data.recommendationId === id)!.data.outcome).toBe('event-prevented');
    await page.context().close();
  });
});

describe('when an auditor opens the audit view', () => {
  it('sees every prompt and the decision history with who, when and the source, read-only', async () => {
    const page = await signIn('auditor');
    expect(new URL(page.url()).pathname).toBe('/audit');
    expect(await page.getByRole('button', { name: /Acknowledge|Done/ }).count()).toBe(0);
    await poll(() => page.getByTestId('audit-row').count()).toBeGreaterThanOrEqual(2);
    expect(await page.getByRole('img', { name: /Recommendations raised per day/ }).count()).toBe(1);
    await page.getByRole('link', { name: /History of the prompt for Pump 4/ }).click();
    await page.waitForURL((u) => u.pathname.startsWith('/audit/'));
    const rows = page.getByTestId('history-row');
    await poll(() => rows.count()).toBeGreaterThanOrEqual(4);
    const text = (await rows.allTextContents()).join('\n');
    expect(text).toMatch(/Prompt raised/);
    expect(text).toMatch(/Acknowledged.*operator-1/);
    expect(text).toMatch(/Marked done.*operator-1/);
    expect(text).toMatch(/Outcome recorded.*operator-1/);
    expect(await page.getByTestId('state-now').textContent()).toBe('done');
    await page.context().close();
  });
});

describe('when the operator presses Manual mode on a prompt', () => {
  it('switches that asset to manual, and the asset modes page says who switched it and why', async () => {
    const page = await signIn('operator');
    const pump2 = card(page, 'Pump 2');
    await poll(() => pump2.count()).toBe(1);
    await pump2.getByRole('button', { name: 'Manual mode: Pump 2' }).click();
    await pump2.getByRole('button', { name: 'Switch Pump 2 to manual' }).click();
    await poll(() => pump2.getByText('Pump 2 is in manual mode').count()).toBe(1);
    // the card keeps the notice but no longer offers its buttons
    expect(await pump2.getByRole('button').count()).toBe(0);
    const changed = (await platform.events('AssetModeChanged')).find((e) => e.data.path === PUMP_2);
    expect(changed?.data).toMatchObject({ to: 'manual', from: 'auto' });
    expect(changed?.metadata.actor).toBe('operator-1');

    await page.getByRole('link', { name: 'Asset modes' }).click();
    await page.waitForURL((u) => u.pathname === '/modes');
    const row = page.locator(`[data-testid="mode-row"][data-path="${PUMP_2}"]`);
    expect(await row.getByTestId('mode').textContent()).toBe('Manual');
    expect(await row.getByTestId('mode-who').textContent()).toMatch(/operator-1.*Operator took manual control/);
    // switching it again to manual is refused by the gateway (409) and shown in plain words
    await page.close();
  });
});

describe('when the operator shelves a prompt (ISA-18.2)', () => {
  it('takes it off the list with a reason, lists it under Shelved with a countdown, and it comes back by itself; Put back now brings it back at once', async () => {
    const id = (await platform.events('RecommendationRaised')).find((e) => e.data.assetPath === PUMP_3 && e.data.mode === 'production')!.data
      .recommendationId as string;
    const page = await signIn('operator');
    const pump3 = card(page, 'Pump 3');
    await poll(() => pump3.count()).toBe(1);
    await pump3.getByRole('button', { name: 'Shelve: Pump 3', exact: true }).click();
    const choices = page.getByRole('radio');
    expect(await choices.count()).toBe(4);
    // big touch targets: the Shelve button and every choice at least 48 px high
    for (const target of [pump3.getByRole('button', { name: 'Shelve: Pump 3', exact: true }), ...(await pump3.locator('label.choice').all())])
      expect((await target.boundingBox())!.height).toBeGreaterThanOrEqual(48);
    expect((await pump3.locator('label.choice').allTextContents()).map((t) => t.trim())).toEqual([
      'For 10 seconds',
      'For 15 minutes',
      'For 1 hour',
      'Until the end of the shift',
    ]);
    // the panel open: no serious axe violation at either size
    const open = await checkBothSizes(page);
    expect(open.violations).toEqual([]);
    await pump3.getByLabel('For 10 seconds').check();
    await pump3.getByLabel('Why can it wait? (needed)').fill('Fitter is already at pump 3');
    await pump3.getByRole('button', { name: 'Shelve Pump 3', exact: true }).click();
    const shelf = page.getByTestId('shelved').filter({ hasText: 'Pump 3' });
    await poll(() => shelf.count()).toBe(1);
    expect(await card(page, 'Pump 3').count()).toBe(0);
    expect(await shelf.textContent()).toMatch(/Shelved by operator-1 at .*\d\d:\d\d.*“Fitter is already at pump 3”/);
    expect(await shelf.getByRole('timer').textContent()).toMatch(/^back in 0 min \d\d s$/);
    const listed = await checkBothSizes(page);
    expect(listed.violations).toEqual([]);
    const e = (await platform.events('RecommendationShelved')).find((x) => x.data.recommendationId === id)!;
    expect(e.metadata.actor).toBe('operator-1');
    expect(e.data).toMatchObject({ durationSeconds: 10, reason: 'Fitter is already at pump 3', endOfShift: false });
    // the time runs out: the card is back without a reload, the Shelved list is gone
    await poll(() => card(page, 'Pump 3').count(), { timeout: 30_000 }).toBe(1);
    expect(await page.getByTestId('shelved').count()).toBe(0);

    // shelved for an hour, then put back at once
    await card(page, 'Pump 3').getByRole('button', { name: 'Shelve: Pump 3', exact: true }).click();
    await card(page, 'Pump 3').getByLabel('For 1 hour').check();
    await card(page, 'Pump 3').getByLabel('Why can it wait? (needed)').fill('Line stops for cleaning at the hour');
    await card(page, 'Pump 3').getByRole('button', { name: 'Shelve Pump 3', exact: true }).click();
    await poll(() => shelf.count()).toBe(1);
    expect(await shelf.getByRole('timer').textContent()).toMatch(/^back in (59 min|1 h 00 min)$/);
    await shelf.getByRole('button', { name: 'Put back now: Pump 3', exact: true }).click();
    await poll(() => card(page, 'Pump 3').count()).toBe(1);
    expect(await page.getByTestId('shelved').count()).toBe(0);
    expect((await platform.events('RecommendationUnshelved')).find((x) => x.data.recommendationId === id)?.metadata.actor).toBe('operator-1');
    await page.context().close();
  });
});
