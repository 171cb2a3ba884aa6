import { mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { ensureWebBundle } from '@leakproof/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium } from './support/browser.js';
import { seedProject, type Seeded } from './support/seed.js';
import { startUiServer, type UiServer } from './support/ui-server.js';

// the test project has no DOM lib: the few browser-side shapes these assertions touch
type Img = { naturalWidth: number; complete: boolean };
type Canvas = { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null };

const artifacts = fileURLToPath(new URL('./artifacts/', import.meta.url));
const XSS_NAME = `<img src=x onerror="window.__xss=1">'"><script>window.__xss=2</script>`;

// A real Chromium against the dashboard over a registry the real CLI seeded.
describe.skipIf(!chromiumPath)('web dashboard in Chromium', () => {
  let seeded: Seeded;
  let server: UiServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  // from the top: a full-page capture taken while scrolled draws sticky table headers at the scroll offset
  const shot = async (name: string) => {
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: `${artifacts}${name}.png`, fullPage: true });
  };
  const goto = async (path: string) => {
    await page.goto(server.url + path);
    await page.waitForSelector('main h1', { timeout: 15_000 });
    await page.waitForSelector('main [role=status]', { state: 'detached', timeout: 15_000 });
  };

  beforeAll(async () => {
    await mkdir(artifacts, { recursive: true });
    // the bundle builds (first start) while the CLI seeds and Chromium starts
    const started = performance.now();
    const [s, b] = await Promise.all([seedProject(), launchChromium(), ensureWebBundle()]);
    seeded = s;
    browser = b;
    process.stderr.write(`browser suite setup ${((performance.now() - started) / 1000).toFixed(1)} s; seeding steps (s): ${JSON.stringify(s.timings)}\n`);
    server = await startUiServer(seeded.work);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => void (m.type() === 'error' && !/Failed to load resource/.test(m.text()) && pageErrors.push(m.text())));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (seeded) await rm(seeded.work, { recursive: true, force: true });
  });

  it('lists both runs, narrows with a valid filter and puts a caret under a bad one', async () => {
    await goto('/runs');
    const rows = page.locator('table.runs tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    await shot('runs');

    await page.fill('#filter-input', `attributes.id = ${seeded.runIds[1]}`);
    await page.press('#filter-input', 'Enter');
    await expect.poll(() => rows.count()).toBe(1);
    expect(page.url()).toContain('filter=attributes.id');

    await page.fill('#filter-input', 'metrics.loss >> 1');
    await page.press('#filter-input', 'Enter');
    const caret = page.locator('.caret');
    await caret.waitFor();
    expect(await caret.getAttribute('data-column')).toBe('15');
    expect(await page.locator('#filter-error').textContent()).toMatch(/column 15/);
    await shot('runs-filter-error');
  });

  it('draws the run page: params, audit badge, non-empty metric charts, evaluation and plots', async () => {
    await goto(`/runs/${seeded.evaluationRunId}`);
    await page.locator('.audit-badge').getByText('audit passed').waitFor();
    const canvases = page.locator('.chart canvas');
    await expect.poll(() => canvases.count()).toBeGreaterThan(0);
    const inked = await canvases.first().evaluate((el) => {
      const c = el as unknown as Canvas;
      const data = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(100);
    await page.locator('table.metrics').first().waitFor();
    expect(await page.locator('table.metrics').first().textContent()).toMatch(/recall.*\[0\.\d{3}, [01]\.\d{3}\]/);
    await expect.poll(() => page.locator('.plots img').evaluateAll((imgs) => imgs.filter((i) => (i as unknown as Img).naturalWidth > 0).length)).toBeGreaterThan(2);
    await shot('run');
  });

  it('loads every thumbnail of the prediction gallery from the audited dataset', async () => {
    const statuses: number[] = [];
    page.on('response', (r) => void (r.url().includes('/predictions/') && r.url().endsWith('/image') && statuses.push(r.status())));
    await page.getByRole('button', { name: /per-image predictions/ }).first().click();
    // the default view: the errors (FP + FN), most confident first
    const images = page.locator('.gallery img');
    await expect.poll(() => images.count()).toBeGreaterThan(3);
    await expect
      .poll(() => images.evaluateAll((imgs) => imgs.every((i) => (i as unknown as Img).complete && (i as unknown as Img).naturalWidth > 0)), { timeout: 20_000 })
      .toBe(true);
    expect(statuses.length).toBeGreaterThan(3);
    expect(statuses.every((s) => s === 200)).toBe(true);
    await page.locator('.gallery-block select').first().selectOption('fp');
    expect(await page.locator('.gallery li').evaluateAll((li) => li.every((l) => l.classList.contains('pred-fp')))).toBe(true);
    await shot('run-gallery');
  });

  it('compares the two runs with the differing param highlighted', async () => {
    await goto(`/compare?ids=${seeded.runIds.join(',')}`);
    const diff = page.locator('table.params tr.diff');
    await diff.first().waitFor();
    expect(await diff.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-param')))).toContain('maxLr');
    await expect.poll(() => page.locator('.chart canvas').count()).toBeGreaterThan(0);
    await shot('compare');
  });

  it('shows the failing audit with the flagged pairs side by side, thumbnails loaded, and the policy change', async () => {
    await goto('/audits');
    await shot('audits');
    await page.locator('table tbody tr', { hasText: 'fail' }).first().getByRole('link').first().click();
    await page.locator('.pair').first().waitFor();
    const thumbs = page.locator('.pair img');
    await expect.poll(() => thumbs.count()).toBeGreaterThan(1);
    await thumbs.first().scrollIntoViewIfNeeded();
    await expect.poll(() => page.locator('.pair').first().locator('img').evaluateAll((imgs) => imgs.filter((i) => (i as unknown as Img).naturalWidth > 0).length), { timeout: 15_000 }).toBe(2);
    await page.locator('.pair').first().getByRole('button', { name: /allow with a reason/ }).click();
    await page.locator('.pair form.allow input').fill('reviewed: same acquisition, kept on purpose');
    await page.locator('.pair form.allow').getByRole('button', { name: /show the policy change/ }).click();
    await page.locator('.policy-preview pre').first().waitFor();
    expect(await page.locator('.policy-preview pre').first().textContent()).toContain('reviewed: same acquisition');
    await shot('audit');
  });

  it('shows history and the gate', async () => {
    await goto('/history');
    await expect.poll(() => page.locator('.chart canvas').count()).toBeGreaterThan(0);
    await shot('history');
    await goto('/gate');
    await page.locator('table[aria-label="gated datasets"]').waitFor();
    await shot('gate');
  });

  it('shows a run started while the page is open, and its chart grows without a reload', async () => {
    await goto('/runs');
    await expect.poll(() => page.locator('table.runs tbody tr').count()).toBe(2);
    const first = await server.registry.getRun(seeded.evaluationRunId);
    const live = await server.registry.createRun({ experiment: 'ui-e2e', name: 'live-run', auditId: first?.auditId as number, params: { note: 'live' } });
    await server.registry.logMetrics(live.id, [0, 1, 2].map((step) => ({ key: 'loss', step, value: 1 / (step + 1) })));
    await page.locator('table.runs tbody tr', { hasText: 'live-run' }).waitFor({ timeout: 10_000 });
    await page.locator('table.runs').getByRole('link', { name: 'live-run' }).click();
    const chart = page.locator('.chart').first();
    await expect.poll(() => chart.getAttribute('data-points')).toBe('3');
    await server.registry.logMetrics(live.id, [3, 4, 5, 6].map((step) => ({ key: 'loss', step, value: 1 / (step + 1) })));
    await expect.poll(() => chart.getAttribute('data-points'), { timeout: 10_000 }).toBe('7');
    await shot('run-live');
    await server.registry.finishRun(live.id);
  });

  it('renders a run name holding HTML as text', async () => {
    const first = await server.registry.getRun(seeded.evaluationRunId);
    const evil = await server.registry.createRun({ experiment: 'ui-e2e', name: XSS_NAME, auditId: first?.auditId as number, params: { html: XSS_NAME } });
    await server.registry.setTag(evil.id, 'note', XSS_NAME);
    await server.registry.finishRun(evil.id);
    await goto('/runs');
    await page.locator('table.runs').getByText(XSS_NAME).waitFor();
    await goto(`/runs/${evil.id}`);
    await page.locator('h1').getByText(XSS_NAME).waitFor();
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(await page.locator('main img[src="x"]').count()).toBe(0);
    await shot('run-xss');
  });

  it('sorts by a metric whose key the filter language needs in backticks (MLflow allows spaces)', async () => {
    const first = await server.registry.getRun(seeded.evaluationRunId);
    const names: string[] = [];
    for (const value of [0.2, 0.7]) {
      const run = await server.registry.createRun({ experiment: 'sort-e2e', name: `loss-${value}`, auditId: first?.auditId as number, params: {} });
      await server.registry.logMetrics(run.id, [{ key: 'train loss', step: 0, value }]);
      await server.registry.finishRun(run.id);
      names.push(run.name);
    }
    await goto(`/runs?experiment=sort-e2e&cols=${encodeURIComponent('metrics.train loss')}`);
    const shown = () => page.locator('table.runs tbody tr td:nth-child(3)').allTextContents();
    const header = page.getByRole('button', { name: /^metrics\.train loss/ });
    await header.click();
    await expect.poll(shown).toEqual(names);
    await header.click();
    await expect.poll(shown).toEqual([...names].reverse());
    expect(new URL(page.url()).searchParams.get('order')).toBe('metrics.`train loss` desc');
    expect(await page.locator('th[aria-sort=descending]').textContent()).toMatch(/^metrics\.train loss/);
    await shot('runs-sorted-by-spaced-key');
  });

  it("says which steps of a diverged run's curve it cannot draw", async () => {
    const first = await server.registry.getRun(seeded.evaluationRunId);
    const run = await server.registry.createRun({ experiment: 'sort-e2e', name: 'diverged', auditId: first?.auditId as number, params: {} });
    const values = [1, 0.5, Number.POSITIVE_INFINITY, Number.NaN, 0.3];
    await server.registry.logMetrics(run.id, values.map((value, step) => ({ key: 'loss', step, value })));
    await server.registry.finishRun(run.id);
    await goto(`/runs/${run.id}`);
    await expect.poll(() => page.locator('.chart').first().getAttribute('data-points')).toBe('5');
    expect(await page.locator('.chart-note').textContent()).toBe('not drawn, not a finite number (NaN or ±∞): step 2, 3');
    await shot('run-diverged');
  });

  it('labels the axes of a curve whose steps run to millions and whose loss explodes past 1e32', async () => {
    const first = await server.registry.getRun(seeded.evaluationRunId);
    const run = await server.registry.createRun({ experiment: 'sort-e2e', name: 'by-samples', auditId: first?.auditId as number, params: {} });
    await server.registry.logMetrics(run.id, [[0, 1], [20_000_000, 1e10], [50_000_000, 1e35]].map(([step, value]) => ({ key: 'loss', step: step as number, value: value as number })));
    await server.registry.finishRun(run.id);
    await goto(`/runs/${run.id}`);
    const chart = page.locator('.chart').first();
    await expect.poll(() => chart.getAttribute('data-points')).toBe('3');
    // uPlot draws no tick at all when none of the increments it is given spans the range
    await expect.poll(() => chart.getAttribute('data-x-ticks')).toMatch(/ 50M$/);
    expect(await chart.getAttribute('data-y-ticks')).toMatch(/e\+3[45]/);
    await shot('run-huge-axes');
  });

  it('answers a run id that does not exist by its name, once, and stops asking', async () => {
    const asked: string[] = [];
    const onRequest = (r: { url(): string }) => void (r.url().includes('/api/ui/runs/') && asked.push(new URL(r.url()).pathname));
    page.on('request', onRequest);
    await goto('/runs/99999');
    expect(await page.locator('main [role=alert]').textContent()).toBe('no run 99999');
    // the run page polls a running run's metrics every 1.5 s; a run that is not there never starts running
    await page.waitForTimeout(3500);
    page.off('request', onRequest);
    expect(asked.filter((p) => p.endsWith('/metrics'))).toEqual(['/api/ui/runs/99999/metrics']);
    await goto('/runs/abc');
    expect(await page.locator('main h1').textContent()).toBe('Run abc');
    expect(await page.locator('main [role=alert]').textContent()).toBe('no run abc');
    await goto('/audits/abc');
    expect(await page.locator('main [role=alert]').textContent()).toBe('no audit abc');
  });

  it('fits a 390 px phone screen: wide tables scroll in their own box, the page never sideways', async () => {
    const first = await server.registry.getRun(seeded.evaluationRunId);
    const run = await server.registry.createRun({ experiment: `a-long-experiment-name-${'x'.repeat(60)}`, name: 'narrow', auditId: first?.auditId as number, params: {} });
    await server.registry.finishRun(run.id);
    await page.setViewportSize({ width: 390, height: 800 });
    try {
      for (const path of ['/runs', `/runs/${seeded.evaluationRunId}`, `/compare?ids=${seeded.runIds.join(',')}`, '/history', '/audits', '/gate']) {
        await goto(path);
        await page.waitForTimeout(300);
        expect(await page.evaluate('document.documentElement.scrollWidth'), path).toBeLessThanOrEqual(390);
      }
      await goto('/runs');
      const apply = await page.getByRole('button', { name: 'Apply' }).boundingBox();
      expect((apply?.x ?? 1e9) + (apply?.width ?? 0)).toBeLessThanOrEqual(390);
      await shot('runs-phone');
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it('answers traversal attempts with 404 and sends a strict CSP', async () => {
    const get = (path: string) => fetch(server.url + path);
    for (const path of [
      `/api/ui/evaluations/1/predictions/..%2F..%2F..%2Fetc%2Fpasswd/image`,
      `/api/ui/evaluations/1/predictions/-1/image`,
      `/api/ui/audits/1/findings/1/..%2F..%2Fpackage.json`,
      `/assets/..%2F..%2Fpackage.json`,
      `/assets/%2e%2e/%2e%2e/package.json`,
      `/assets/../../../package.json`,
      `/api/ui/artifacts/..%2F..%2Fpackage.json`,
    ]) {
      expect((await get(path)).status, path).toBe(404);
    }
    const index = await get('/runs');
    expect(index.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(index.headers.get('content-security-policy')).not.toMatch(/unsafe-inline'[^;]*;.*script|script-src[^;]*unsafe/);
    expect(pageErrors).toEqual([]);
  });
});
