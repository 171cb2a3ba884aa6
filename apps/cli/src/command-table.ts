import type { CliContext } from './context.js';
import type { CommandResult, Format } from './output.js';

/** A command implementation: a plain async function; its module is imported only when the command runs. */
export type CommandHandler = (ctx: CliContext, args: string[], opts: Record<string, unknown>) => Promise<CommandResult>;

export interface OptionSpec {
  flags: string;
  description: string;
  default?: string | boolean;
}

export interface CommandSpec {
  /** words, e.g. ['runs', 'list'] for `leakproof runs list` */
  path: string[];
  args?: string[];
  description: string;
  options?: OptionSpec[];
  /** whether the command prints data (and so takes --format/--output) */
  data?: boolean;
  /** the first argument is a dataset folder, which --output must not point into */
  datasetArg?: boolean;
  /** the --format values the command renders, checked before it runs (json is always one) */
  formats?: readonly Format[];
  load: () => Promise<{ run: CommandHandler }>;
}

const format: OptionSpec = { flags: '--format <format>', description: 'table | json | md | html | csv (as supported)' };
const output: OptionSpec = { flags: '-o, --output <file>', description: 'write the report to a file instead of stdout' };
export const dataOptions = [format, output];

const config: OptionSpec = { flags: '-c, --config <file>', description: 'dataset/ingest config (JSON)' };
const preset: OptionSpec = { flags: '--preset <name>', description: 'a public set\'s own layout: nih-cxr14 | chexpert | mimic-cxr-jpg | rsna-pneumonia | padchest' };
const experimentConfig: OptionSpec = { flags: '-c, --config <file>', description: 'experiment config (JSON): dataset, splits, threshold, train (inline or a recipe file)' };
const set: OptionSpec = { flags: '--set <key=value...>', description: 'override experiment config values, e.g. --set train.epochs=3 train.imageSize=128 splits.seed=7' };

/** Every command, in help order. Keep definitions here and implementations in commands/<name>.ts. */
export const commandTable: CommandSpec[] = [
  {
    path: ['manifest'],
    args: ['<dataset>'],
    description: 'list a dataset: images per split × class, patients, images per patient, and every problem found',
    options: [config, preset],
    data: true,
    datasetArg: true,
    formats: ['table', 'json', 'md'],
    load: () => import('./commands/manifest.js'),
  },
  {
    path: ['audit'],
    args: ['<dataset>'],
    description: 'check a dataset for leakage between splits; exit 1 if the verdict fails',
    options: [config, preset, { flags: '--policy <file>', description: 'audit policy (JSON); default: leakproof.policy.json or built-in' }, { flags: '--no-cache', description: 'ignore the hash cache' }, { flags: '--no-record', description: 'do not store the audit in the registry' }, { flags: '--update-lock', description: 'if the audit passes, store its fingerprint in leakproof.lock.json (dataset must be in leakproof.config.json)' }, { flags: '--distributed', description: 'hash and verify on `leakproof worker` processes through the PostgreSQL job queue (needs DATABASE_URL)' }, { flags: '--shard-size <n>', description: 'files per hashing job and pairs per verification job (with --distributed)', default: '500' }],
    data: true,
    datasetArg: true,
    formats: ['table', 'json', 'md', 'html', 'csv'],
    load: () => import('./commands/audit.js'),
  },
  {
    path: ['gate'],
    description: 'CI merge gate: audit every dataset named in leakproof.config.json; non-zero on leakage or unaudited change',
    options: [{ flags: '--junit <file>', description: 'also write JUnit XML' }, { flags: '--project-config <file>', description: 'default: leakproof.config.json' }, { flags: '--update', description: 'accept the audited datasets: write passing fingerprints to leakproof.lock.json' }],
    data: true,
    formats: ['table', 'json', 'md'],
    load: () => import('./commands/gate.js'),
  },
  {
    path: ['hooks', 'install'],
    description: 'install a git pre-push hook that runs `leakproof gate`',
    options: [{ flags: '--force', description: 'replace an existing pre-push hook not installed by leakproof' }],
    load: () => import('./commands/hooks-install.js'),
  },
  {
    path: ['train'],
    description: 'train a model on an audited dataset and record the run',
    options: [experimentConfig, set, { flags: '--resume <run>', description: 'resume an interrupted run from its last checkpoint' }],
    data: true,
    formats: ['table', 'json'],
    load: () => import('./commands/train.js'),
  },
  {
    path: ['eval'],
    args: ['<run>'],
    description: "evaluate a run on a split of its audited dataset, with its own model or an external model's predictions",
    options: [
      { flags: '--split <split>', description: 'split to evaluate', default: 'test' },
      { flags: '--predictions <csv>', description: "an external model's predictions for the split (columns path, prob); labels and patients come from the audited manifest" },
      { flags: '--val-predictions <csv>', description: 'the same for the validation split, where the threshold is chosen' },
    ],
    data: true,
    formats: ['table', 'json'],
    load: () => import('./commands/eval.js'),
  },
  {
    path: ['run'],
    args: ['<command...>'],
    description: 'run any training command on an audited dataset: the run is bound to the audit first, the command gets the split files and MLflow/leakproof tracking env; status follows its exit',
    options: [
      { flags: '-c, --config <file>', description: 'experiment config (JSON): dataset, splits, threshold; `train` is passed to the command' },
      { flags: '--dataset <dir>', description: 'the dataset (instead of, or overriding, dataset.root in --config)' },
      set,
    ],
    load: () => import('./commands/run.js'),
  },
  {
    path: ['log', 'metric'],
    args: ['<key>', '<value>'],
    description: 'inside `leakproof run`: log a metric to the bound run',
    options: [{ flags: '--step <n>', description: 'step (e.g. epoch)', default: '0' }],
    load: () => import('./commands/log.js').then((m) => ({ run: m.logMetric })),
  },
  {
    path: ['log', 'param'],
    args: ['<key>', '<value>'],
    description: 'inside `leakproof run`: log a parameter (write-once) to the bound run',
    load: () => import('./commands/log.js').then((m) => ({ run: m.logParam })),
  },
  {
    path: ['log', 'tag'],
    args: ['<key>', '<value>'],
    description: 'inside `leakproof run`: set a tag on the bound run',
    load: () => import('./commands/log.js').then((m) => ({ run: m.logTag })),
  },
  {
    path: ['log', 'artifact'],
    args: ['<file>'],
    description: 'inside `leakproof run`: upload a file as an artifact of the bound run',
    options: [{ flags: '--path <dir>', description: 'folder inside the run\'s artifacts' }],
    load: () => import('./commands/log.js').then((m) => ({ run: m.logArtifact })),
  },
  {
    path: ['lr-find'],
    description: 'learning-rate range test: writes the loss-vs-LR plot and suggests a learning rate',
    options: [experimentConfig, set],
    data: true,
    formats: ['table', 'json'],
    load: () => import('./commands/lr-find.js'),
  },
  {
    path: ['runs', 'list'],
    description: 'list runs, newest first',
    options: [{ flags: '--limit <n>', description: 'at most n runs', default: '50' }, { flags: '--all', description: 'include archived runs' }],
    data: true,
    formats: ['table', 'json', 'md', 'csv'],
    load: () => import('./commands/runs-list.js'),
  },
  {
    path: ['runs', 'show'],
    args: ['<id>'],
    description: 'one run: params, metrics, evaluations, artifacts, its audit',
    data: true,
    formats: ['table', 'json', 'md', 'csv'],
    load: () => import('./commands/runs-show.js'),
  },
  {
    path: ['runs', 'compare'],
    args: ['<ids...>'],
    description: 'runs side by side: params that differ and metrics',
    data: true,
    formats: ['table', 'json', 'md', 'csv'],
    load: () => import('./commands/runs-compare.js'),
  },
  {
    path: ['runs', 'query'],
    args: ['<filter>'],
    description: "filter runs, e.g. \"metrics.recall >= 0.95 and (params.model = 'resnet' or tags.note ~ 'baseline')\"",
    options: [
      { flags: '--order-by <expr>', description: "e.g. 'max(metrics.recall) desc, attributes.created'" },
      { flags: '--limit <n>', description: 'at most n runs', default: '100' },
      { flags: '--all', description: 'include archived runs' },
    ],
    data: true,
    formats: ['table', 'json', 'md', 'csv'],
    load: () => import('./commands/runs-query.js'),
  },
  {
    path: ['history'],
    description: 'every evaluation on one split fingerprint over time, as a table and a plot',
    options: [{ flags: '--fingerprint <fp>', description: 'split fingerprint (a unique prefix is enough)' }, { flags: '--metric <names>', description: 'comma-separated metrics', default: 'precision,recall' }, { flags: '--plot <file>', description: 'SVG plot path' }],
    data: true,
    formats: ['table', 'json', 'md', 'csv'],
    load: () => import('./commands/history.js'),
  },
  {
    path: ['worker'],
    description: 'take distributed audit and training jobs from the PostgreSQL job queue (DATABASE_URL) until SIGTERM',
    options: [{ flags: '--concurrency <n>', description: 'jobs at once per queue (default: 2 for audit verification, 1 for audit hashing and train)' }, { flags: '--queues <list>', description: 'audit, train or both', default: 'audit,train' }],
    load: () => import('./commands/worker.js'),
  },
  {
    path: ['workers'],
    description: 'list queue workers: host, pid, version, current job, last heartbeat',
    data: true,
    load: () => import('./commands/workers.js'),
  },
  {
    path: ['sweep'],
    args: ['[action]', '[id]'],
    description: "train a grid of configurations on queue workers, bound to one audit: sweep --config exp.json --grid 'train.maxLr=[0.001,0.003]'; sweep status <id>",
    options: [{ flags: '-c, --config <file>', description: 'experiment config (JSON)' }, { flags: '--grid <spec>', description: "space-separated key=[v1,v2] lists" }, { flags: '--seeds <n>', description: 'seeds per configuration', default: '1' }, { flags: '--metric <name>', description: 'validation metric that picks the best configuration', default: 'val_auc' }],
    data: true,
    load: () => import('./commands/sweep.js'),
  },
  {
    path: ['server'],
    description: 'serve the registry over HTTP: its own /api/v1, the MLflow tracking API (MLFLOW_TRACKING_URI) and the dashboard',
    options: [
      { flags: '--host <host>', description: 'interface to bind; beyond 127.0.0.1 an access token is required (generated and printed once)', default: '127.0.0.1' },
      { flags: '--port <port>', description: 'TCP port (0: any free port)', default: '5000' },
    ],
    load: () => import('./commands/server.js'),
  },
  {
    path: ['ui'],
    description: 'the web dashboard: prints the URL of the server serving this registry, or starts one (opens a browser only with --open)',
    options: [
      { flags: '--host <host>', description: 'interface to bind when starting a server', default: '127.0.0.1' },
      { flags: '--port <port>', description: 'TCP port when starting a server (0: any free port)', default: '5000' },
      { flags: '--open', description: 'also open the dashboard in the desktop browser (never in CI)' },
    ],
    load: () => import('./commands/ui.js'),
  },
  {
    path: ['demo'],
    args: ['[dataset]'],
    description: 'the main job: audit, carve validation, train a small model, evaluate on a patient-level held-out part, record',
    options: [set],
    data: true,
    datasetArg: true,
    formats: ['table', 'json'],
    load: () => import('./commands/demo.js'),
  },
];
