import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluate } from '../evaluate.js';
import { preds, randomPredictions } from '../test-fixtures.js';
import { writePlots } from '../write-plots.js';
import { lineChartSvg, trainingCurvesSvg } from './line-charts.js';
import { confusionMatrixSvg } from './metric-plots.js';
import { renderPlots } from './render-plots.js';

const report = evaluate({ predictions: randomPredictions(31, 60), threshold: 0.5, bootstrap: { replicates: 50, seed: 1 } });
const isSvg = (svg: string) => expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>$/);

describe('plots', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('renders every report plot as SVG with the expected marks', async () => {
    const plots = await renderPlots(report);
    expect(Object.keys(plots).sort()).toEqual(
      ['calibration', 'confusion-matrix', 'pr', 'roc'].flatMap((k) => [`image-${k}`, `patient-${k}`]).sort(),
    );
    for (const svg of Object.values(plots)) isSvg(svg);
    expect(plots['image-roc']).toContain('mark-line');
    expect(plots['image-roc']).toContain('AUC');
    expect(plots['image-pr']).toContain('Average precision');
    expect(plots['image-calibration']).toContain('ECE');
    expect(plots['image-calibration']).toMatch(/mark-symbol/);
  });

  it('draws the confusion matrix as four cells labelled with their counts', async () => {
    const level = evaluate({ predictions: preds([[1, 0.9], [1, 0.8], [1, 0.2], [0, 0.7], [0, 0.1]]), threshold: 0.5, bootstrap: { replicates: 0 } }).image;
    const svg = await confusionMatrixSvg(level, 0.5);
    isSvg(svg);
    expect(svg.match(/role-mark[^"]*"[^>]*>/g)?.length).toBeGreaterThan(0);
    expect(svg.match(/<path[^>]*aria-roledescription="rect mark"/g) ?? svg.match(/rect mark/g)).toHaveLength(4);
    for (const label of ['TP 2', 'FN 1', 'FP 1', 'TN 1']) expect(svg).toContain(`>${label}</text>`);
  });

  it('names the confusion matrix rows and columns after the classes evaluated, not always PNEUMONIA/NORMAL', async () => {
    const plots = await renderPlots(report, { classes: { positive: 'EFFUSION', negative: 'No Finding' } });
    for (const name of ['image-confusion-matrix', 'patient-confusion-matrix']) {
      for (const label of ['EFFUSION', 'No Finding']) expect(plots[name]).toContain(`>${label}</text>`);
      expect(plots[name]).not.toContain('PNEUMONIA');
    }
    expect((await renderPlots(report))['image-confusion-matrix']).toContain('>PNEUMONIA</text>');
  });

  it('counts patients, not images, in the patient-level calibration legend', async () => {
    const plots = await renderPlots(report);
    expect(plots['image-calibration']).toContain('Images in bin');
    expect(plots['patient-calibration']).toContain('Patients in bin');
    expect(plots['patient-calibration']).not.toContain('Images in bin');
  });

  it('adds training curves when a history is given', async () => {
    const training = [1, 2, 3].flatMap((epoch) => [
      { epoch, key: 'loss', value: 1 / epoch },
      { epoch, key: 'val_loss', value: 1.2 / epoch },
      { epoch, key: 'val_recall', value: 0.9 + epoch / 100 },
    ]);
    const plots = await renderPlots(report, { training });
    isSvg(plots['training-curves'] ?? '');
    expect(plots['training-curves']).toContain('val_loss');
    isSvg(await trainingCurvesSvg([]));
  });

  it('draws a log-x line chart with the suggested learning rate marked', async () => {
    const points = Array.from({ length: 30 }, (_, i) => ({ x: 1e-6 * 10 ** (i / 6), y: 2 - Math.sin(i / 10) }));
    const svg = await lineChartSvg({ points, logX: true, xTitle: 'Learning rate', yTitle: 'Loss', title: 'LR finder', marker: { x: 3e-4, label: 'suggested 3e-4' } });
    isSvg(svg);
    expect(svg).toContain('mark-rule');
    expect(svg).toContain('suggested 3e-4');
    expect(svg).toContain('0.0001'); // a log-axis decade label
  });

  it('draws a time-series line chart for metric history, one line per series', async () => {
    const svg = await lineChartSvg({
      points: [
        { x: '2025-01-01T00:00:00Z', y: 0.9, series: 'recall' },
        { x: '2025-01-03T00:00:00Z', y: 0.95, series: 'recall' },
        { x: '2025-01-01T00:00:00Z', y: 0.8, series: 'precision' },
        { x: '2025-01-02T00:00:00Z', y: 0.85, series: 'precision' },
      ],
      xType: 'temporal',
      title: 'Recall over runs',
    });
    isSvg(svg);
    expect(svg.match(/aria-roledescription="line mark"/g)?.length).toBe(2);
  });

  it('renders degenerate reports without throwing', async () => {
    const empty = evaluate({ predictions: [], threshold: 0.5, bootstrap: { replicates: 0 } });
    for (const svg of Object.values(await renderPlots(empty))) isSvg(svg);
  });

  it('writes plots as <name>.svg and refuses names that could escape the directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'evaluator-plots-'));
    dirs.push(dir);
    const paths = await writePlots(join(dir, 'nested'), { roc: '<svg></svg>' });
    expect(paths.roc).toBe(join(dir, 'nested', 'roc.svg'));
    expect(await readFile(String(paths.roc), 'utf8')).toBe('<svg></svg>');
    await expect(writePlots(dir, { '../evil': '<svg/>' })).rejects.toThrow(/safe file name/);
  });
});
