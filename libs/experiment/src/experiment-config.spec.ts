import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '@leakproof/core';
import { DEFAULT_THRESHOLD_RULE } from '@leakproof/evaluator';
import { parseTrainConfig } from '@leakproof/trainer';
import { builtInTrainConfig, loadExperimentConfig, thresholdRuleOf, type ExperimentConfig } from './experiment-config.js';

const SHIPPED_RECIPE = resolve(import.meta.dirname, '../../../recipes/kermany-full.json');
const recipe = { imageSize: 96, epochs: 3, threshold: { rule: 'target-recall', target: 0.99 } };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leakproof-experiment-config-'));
  await mkdir(join(dir, 'recipes'));
  await writeFile(join(dir, 'recipes', 'small.json'), JSON.stringify(recipe));
  await writeFile(join(dir, 'recipes', 'broken.json'), '{ "imageSize": ');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function load(config: Record<string, unknown>, overrides: string[] = []) {
  const file = join(dir, `experiment-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(config));
  return loadExperimentConfig(dir, file, overrides);
}

async function usageError(promise: Promise<unknown>): Promise<UsageError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(UsageError);
  return error as UsageError;
}

describe('an experiment whose train config is a recipe file', () => {
  it('reads the recipe named by path, relative to the experiment file, and records its text', async () => {
    const loaded = await load({ dataset: { root: 'data' }, train: 'recipes/small.json' });
    expect(loaded.config.train).toEqual(recipe);
    expect(loaded.config.dataset.root).toBe(join(dir, 'data'));
    const recorded = JSON.parse(loaded.verbatim) as { recipe: { file: string; text: string } };
    expect(recorded.recipe.file).toBe(join(dir, 'recipes', 'small.json'));
    expect(JSON.parse(recorded.recipe.text)).toEqual(recipe);
  });

  it('applies --set overrides on top of the recipe', async () => {
    const loaded = await load({ dataset: { root: 'data' }, train: 'recipes/small.json' }, ['train.epochs=5', 'train.threshold.target=0.995']);
    expect(loaded.config.train).toMatchObject({ imageSize: 96, epochs: 5, threshold: { rule: 'target-recall', target: 0.995 } });
  });

  it('names the missing or broken recipe file and the fix', async () => {
    const missing = await usageError(load({ dataset: { root: 'data' }, train: 'recipes/nope.json' }));
    expect(missing.message).toContain(join(dir, 'recipes', 'nope.json'));
    expect(missing.message).toContain("named by 'train'");
    const broken = await usageError(load({ dataset: { root: 'data' }, train: 'recipes/broken.json' }));
    expect(broken.message).toContain('broken.json is not valid JSON');
  });

  it('loads the shipped recipes/kermany-full.json as a valid trainer config', async () => {
    const loaded = await load({ dataset: { root: 'data' }, train: SHIPPED_RECIPE });
    const config = parseTrainConfig(loaded.config.train, SHIPPED_RECIPE);
    expect(config.ensemble).toBeGreaterThan(1);
    expect(thresholdRuleOf(loaded.config)).toEqual(loaded.config.train['threshold']);
  });
});

describe('thresholdRuleOf: which rule picks the threshold on validation', () => {
  it("uses the recipe's rule when the experiment names none (it was chosen with the recipe)", async () => {
    const { config } = await load({ dataset: { root: 'data' }, train: 'recipes/small.json' });
    expect(thresholdRuleOf(config)).toEqual({ rule: 'target-recall', target: 0.99 });
  });

  it("uses the experiment's rule, else the evaluator's default", async () => {
    expect(thresholdRuleOf((await load({ dataset: { root: 'data' }, threshold: 'max-f1' })).config)).toBe('max-f1');
    expect(thresholdRuleOf((await load({ dataset: { root: 'data' } })).config)).toEqual(DEFAULT_THRESHOLD_RULE);
  });

  it('accepts the same rule named twice and refuses two different ones', async () => {
    const same = await load({ dataset: { root: 'data' }, threshold: { rule: 'target-recall', target: 0.99 }, train: 'recipes/small.json' });
    expect(thresholdRuleOf(same.config)).toEqual({ rule: 'target-recall', target: 0.99 });
    const clash = await usageError(load({ dataset: { root: 'data' }, threshold: 'fixed', train: 'recipes/small.json' }));
    expect(clash.message).toContain("the recipe's 'train.threshold'");
    expect(clash.hint).toContain('--set train.threshold.target');
  });

  it('refuses a train.threshold that is not a rule, naming the field', async () => {
    const error = await usageError(load({ dataset: { root: 'data' }, train: { threshold: { rule: 'target-recall', target: 2 } } }));
    expect(error.message).toContain("field 'train.threshold'");
  });

  it('reads a run recorded with two different rules as it was evaluated then: the experiment rule', () => {
    const recorded = { threshold: 'fixed', train: { threshold: 'max-f1' } } as unknown as ExperimentConfig;
    expect(thresholdRuleOf(recorded)).toBe('fixed');
  });
});

describe('a field the experiment does not have', () => {
  it("names the 'train.' prefix when a trainer field is set at the top level (the help's old example)", async () => {
    const error = await usageError(load({ dataset: { root: 'data' } }, ['epochs=3', 'imageSize=128']));
    expect(error.message).toContain('Unrecognized key');
    expect(error.hint).toContain('--set train.epochs=…');
    expect(error.hint).toContain('--set train.imageSize=…');
  });

  it('points at where the fields are listed for any other mistake', async () => {
    const error = await usageError(load({ dataset: { root: 'data' }, splits: { valFraction: 0.9 } }));
    expect(error.message).toContain("field 'splits.valFraction'");
    expect(error.hint).toContain('libs/trainer/README.md');
    expect(error.hint).not.toContain('"Training config"');
  });
});

describe("the built-in trainer's config", () => {
  it('names a bad field as the experiment spells it (train.…) and the file it is in', async () => {
    const loaded = await load({ dataset: { root: 'data' }, train: { model: 'cnn4' } }, ['train.imageSize=15', 'train.augmentation.foo=1']);
    const error = (() => {
      try {
        return builtInTrainConfig(loaded);
      } catch (e) {
        return e as Error;
      }
    })() as Error;
    expect(error.message).toContain(`config ${loaded.path} is invalid`);
    expect(error.message).toMatch(/ {2}train\.imageSize: Too small/);
    expect(error.message).toMatch(/ {2}train\.augmentation: Unrecognized key: "foo"/);
    expect(error.message).toContain('libs/trainer/README.md');
  });

  it("names the recipe file when the bad field came from the recipe 'train' names", async () => {
    await writeFile(join(dir, 'recipes', 'bad.json'), JSON.stringify({ epochs: 0 }));
    const loaded = await load({ dataset: { root: 'data' }, train: 'recipes/bad.json' });
    expect(() => builtInTrainConfig(loaded)).toThrow(new RegExp(`recipe ${join(dir, 'recipes', 'bad.json')} \\(named by 'train' in config .*\\) is invalid:\n {2}train\\.epochs: Too small`));
  });

  it("fills the experiment's positiveClass in", async () => {
    const loaded = await load({ dataset: { root: 'data' }, positiveClass: 'COVID', train: 'recipes/small.json' });
    expect(builtInTrainConfig(loaded)).toMatchObject({ positiveClass: 'COVID', imageSize: 96, epochs: 3 });
  });
});

describe('a config file saved by a Windows editor', () => {
  it('loads despite the UTF-8 byte-order mark in front of it', async () => {
    const file = join(dir, 'experiment-bom.json');
    await writeFile(file, `\uFEFF${JSON.stringify({ dataset: { root: 'data' }, train: { epochs: 2 } })}`);
    const loaded = await loadExperimentConfig(dir, file, []);
    expect(loaded.config.train).toEqual({ epochs: 2 });
  });
});

describe('--set train=<recipe file>', () => {
  it('reads the recipe named on the command line (relative to the working folder) and applies the other overrides on top', async () => {
    const loaded = await load({ dataset: { root: 'data' }, train: { epochs: 9 } }, ['train.epochs=5', 'train=recipes/small.json']);
    expect(loaded.config.train).toEqual({ ...recipe, epochs: 5 });
    expect(JSON.parse(loaded.verbatim)).toMatchObject({ recipe: { file: join(dir, 'recipes', 'small.json') } });
  });

  it('names the missing file as given with --set', async () => {
    const error = await usageError(load({ dataset: { root: 'data' } }, ['train=recipes/none.json']));
    expect(error.message).toContain(join(dir, 'recipes', 'none.json'));
    expect(error.message).toContain('--set train');
  });
});

describe('positiveClass named by the experiment and by its trainer config', () => {
  it('refuses two different classes: the model and the evaluation of external predictions would disagree', async () => {
    const error = await usageError(load({ dataset: { root: 'data' }, positiveClass: 'PNEUMONIA', train: { positiveClass: 'COVID' } }));
    expect(error.message).toContain("'positiveClass' 'PNEUMONIA' and 'train.positiveClass' 'COVID' name different classes");
  });

  it('follows the trainer config when only it names the class', async () => {
    const { config } = await load({ dataset: { root: 'data' }, train: { positiveClass: 'COVID' } });
    expect(config.positiveClass).toBe('COVID');
  });
});
