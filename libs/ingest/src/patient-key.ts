import { createHash, createHmac, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { IngestUserError } from './user-error.js';

/** Environment variables that carry the key (CI secret) or name its file. */
export const PATIENT_ID_KEY_ENV = 'LEAKPROOF_PATIENT_ID_KEY';
export const PATIENT_ID_KEY_FILE_ENV = 'LEAKPROOF_PATIENT_ID_KEY_FILE';
/** Where the key is generated on first use, relative to the project (working) directory; .leakproof/ is git-ignored. */
export const DEFAULT_PATIENT_ID_KEY_FILE = join('.leakproof', 'patient-id.key');

const MIN_KEY_BYTES = 16;

export interface PatientIdKey {
  /** the secret; never logged, never stored in the registry or a report */
  secret: Buffer;
  /** public ID of the key (a hash of it) recorded in manifests so a changed key explains a changed fingerprint */
  id: string;
  /** where it came from, for messages (an env var name or a file path, never the key) */
  source: string;
  /** true when this call generated it (the caller should tell the user to keep it) */
  created?: boolean;
}

export function patientIdKeyFrom(secret: Buffer, source: string): PatientIdKey {
  if (secret.length < MIN_KEY_BYTES) throw new IngestUserError(`the patient-ID key from ${source} is shorter than ${MIN_KEY_BYTES} bytes`, 'use 32 random bytes, e.g. `openssl rand -hex 32`');
  return { secret, id: `k-${createHash('sha256').update('leakproof-patient-id-key\n').update(secret).digest('hex').slice(0, 12)}`, source };
}

/** A key written as text: 64 hex digits, or any other string of at least 16 bytes taken as UTF-8. */
function parseKeyText(text: string): Buffer {
  const t = text.trim();
  return /^[0-9a-f]{32,}$/i.test(t) && t.length % 2 === 0 ? Buffer.from(t, 'hex') : Buffer.from(t, 'utf8');
}

/**
 * The project's patient-ID key: `LEAKPROOF_PATIENT_ID_KEY` (the key itself, e.g. a CI secret), else the
 * file named by `LEAKPROOF_PATIENT_ID_KEY_FILE`, else `<projectDir>/.leakproof/patient-id.key`, generated
 * (32 random bytes, mode 0600) on first use. The key never goes into the registry or any report.
 */
export async function resolvePatientIdKey(projectDir: string, env: NodeJS.ProcessEnv = process.env): Promise<PatientIdKey> {
  const inline = env[PATIENT_ID_KEY_ENV];
  if (inline) return patientIdKeyFrom(parseKeyText(inline), `$${PATIENT_ID_KEY_ENV}`);
  const named = env[PATIENT_ID_KEY_FILE_ENV];
  const file = resolve(projectDir, named ?? DEFAULT_PATIENT_ID_KEY_FILE);
  try {
    return patientIdKeyFrom(parseKeyText(await readFile(file, 'utf8')), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error instanceof IngestUserError ? error : new IngestUserError(`cannot read the patient-ID key ${file}: ${(error as Error).message}`, 'make the key file readable, or set LEAKPROOF_PATIENT_ID_KEY');
    if (named) throw new IngestUserError(`the patient-ID key file ${file} (from $${PATIENT_ID_KEY_FILE_ENV}) does not exist`, 'create it with `openssl rand -hex 32 > FILE`, or unset the variable to use .leakproof/patient-id.key');
  }
  const secret = randomBytes(32);
  await mkdir(dirname(file), { recursive: true });
  try {
    // 'wx': two processes starting at once must not overwrite each other's key
    await writeFile(file, `${secret.toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
    await chmod(file, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return resolvePatientIdKey(projectDir, env);
    throw new IngestUserError(`cannot create the patient-ID key ${file}: ${(error as Error).message}`, 'make .leakproof/ writable, or set LEAKPROOF_PATIENT_ID_KEY');
  }
  return { ...patientIdKeyFrom(secret, file), created: true };
}

/**
 * Keyed pseudonym of an identifier: HMAC-SHA-256(key, kind + value), 64 bits in hex. A plain hash would
 * not do: patient IDs are short and guessable, so anyone could hash the candidates and compare. The kind
 * keeps a patient ID and a UID that happen to be equal from mapping to the same pseudonym.
 */
export function pseudonym(key: PatientIdKey, kind: 'patient' | 'study' | 'series', value: string): string {
  const digest = createHmac('sha256', key.secret).update(`${kind}\n${value}`).digest('hex').slice(0, 16);
  return `${kind === 'patient' ? 'pid' : kind}-${digest}`;
}
