import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { nonFiniteReplacer } from '@leakproof/core/api/v1';
import { UsageError } from '@leakproof/core';

/** Thrown when the tracking server refuses a request; carries its `{ error_code, message }`. */
export class TrackingRequestError extends UsageError {
  constructor(
    message: string,
    readonly errorCode: string,
    hint?: string,
  ) {
    super(message, hint);
    this.name = 'TrackingRequestError';
  }
}

export interface TrackingTarget {
  uri: string;
  runId: string;
  /** bearer token of the tracking server, when it needs one */
  token?: string;
}

/** The run `leakproof run` bound, from the environment it gives its command. */
export function trackingTargetFromEnv(env: NodeJS.ProcessEnv): TrackingTarget {
  const uri = env['LEAKPROOF_TRACKING_URI'];
  const runId = env['LEAKPROOF_RUN_ID'];
  if (!uri || !runId) {
    throw new UsageError(
      `not inside \`leakproof run\`: ${!uri ? 'LEAKPROOF_TRACKING_URI' : 'LEAKPROOF_RUN_ID'} is not set`,
      'run your script as `leakproof run --config exp.json -- ./train.sh`; it sets both for the command and everything it starts',
    );
  }
  const token = env['LEAKPROOF_TRACKING_TOKEN'];
  return { uri: uri.replace(/\/+$/, ''), runId, ...(token ? { token } : {}) };
}

/**
 * A minimal client of the MLflow tracking REST API (2.0 paths), the same requests MLflow's own clients
 * send, so `leakproof log` needs nothing but the CLI.
 */
export class TrackingClient {
  constructor(private readonly target: TrackingTarget) {}

  logMetric(key: string, value: number, step: number): Promise<unknown> {
    return this.post('runs/log-metric', { run_id: this.target.runId, key, value, timestamp: Date.now(), step });
  }

  logParam(key: string, value: string): Promise<unknown> {
    return this.post('runs/log-parameter', { run_id: this.target.runId, key, value });
  }

  setTag(key: string, value: string): Promise<unknown> {
    return this.post('runs/set-tag', { run_id: this.target.runId, key, value });
  }

  /** Uploads a file under the run's artifact root (mlflow-artifacts proxy), at `artifactPath/<file name>`. */
  async logArtifact(file: string, artifactPath = ''): Promise<string> {
    const run = (await this.request('GET', `/api/2.0/mlflow/runs/get?run_id=${encodeURIComponent(this.target.runId)}`)) as { run?: { info?: { artifact_uri?: string } } };
    const root = artifactRootPath(run.run?.info?.artifact_uri);
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${(error as Error).message}`, 'pass an existing file');
    }
    const relative = [artifactPath.replace(/^\/+|\/+$/g, ''), basename(file)].filter(Boolean).join('/');
    const path = [root, relative].filter(Boolean).join('/');
    await this.request('PUT', `/api/2.0/mlflow-artifacts/artifacts/${path.split('/').map(encodeURIComponent).join('/')}`, body);
    return relative;
  }

  private post(endpoint: string, body: unknown): Promise<unknown> {
    // NaN and ±Infinity travel as strings, as in MLflow's protobuf JSON (JSON.stringify would send null)
    return this.request('POST', `/api/2.0/mlflow/${endpoint}`, Buffer.from(JSON.stringify(body, nonFiniteReplacer)), 'application/json');
  }

  private async request(method: string, path: string, body?: Buffer, contentType = 'application/octet-stream'): Promise<unknown> {
    const url = this.target.uri + path;
    let response: Response;
    try {
      const headers: Record<string, string> = body ? { 'content-type': contentType } : {};
      if (this.target.token) headers['authorization'] = `Bearer ${this.target.token}`;
      response = await fetch(url, { method, headers, ...(body ? { body } : {}) });
    } catch (error) {
      throw new UsageError(`cannot reach the tracking server at ${this.target.uri}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`, 'is the `leakproof run` that started this command still running?');
    }
    const text = await response.text();
    let parsed: unknown = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { message: text.slice(0, 200) };
    }
    if (!response.ok) {
      const { error_code: code = `HTTP_${response.status}`, message = response.statusText } = parsed as { error_code?: string; message?: string };
      throw new TrackingRequestError(`the tracking server refused ${method} ${path.split('?')[0]}: ${code}: ${message}`, code);
    }
    return parsed;
  }
}

/** `mlflow-artifacts:/1/7/artifacts` or `mlflow-artifacts://host:port/1/7/artifacts` → `1/7/artifacts` */
export function artifactRootPath(uri: string | undefined): string {
  if (!uri) throw new TrackingRequestError('the tracking server did not say where the run keeps its artifacts (no artifact_uri)', 'INVALID_STATE');
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(uri);
  if (!match) throw new TrackingRequestError(`artifact_uri ${uri} is not served by the tracking server (mlflow-artifacts:)`, 'INVALID_STATE');
  return (match[1] ?? '').replace(/\/+$/, '');
}
