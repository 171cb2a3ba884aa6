import { posix } from 'node:path';

/** How a file's patient is found. See libs/ingest/README.md for the two Kermany variants. */
export type IdRule = 'kermany' | 'kermany-strict' | 'csv' | 'folder' | 'dicom' | { regex: string };

const personName = /^person0*(\d+)_(bacteria|virus)_\d+(?:_\d+)*\.[a-z0-9]+$/i;
const normal2Name = /^NORMAL2-IM-(\d+)-\d+(?:-\d+)*\.[a-z0-9]+$/i;
const imName = /^IM-(\d+)-\d+(?:-\d+)*\.[a-z0-9]+$/i;
const mendeleyV3Name = /^(?:NORMAL|BACTERIA|VIRUS)-(\d+)-\d+\.[a-z0-9]+$/i;

/**
 * Kaggle/Mendeley V2 chest X-ray names. The bacteria and virus series number their persons independently,
 * so `person5_bacteria_*` and `person5_virus_*` are different children: `person5/bacteria`, `person5/virus`.
 */
export function kermanyPatient(fileName: string): string | undefined {
  const base = posix.basename(fileName);
  const person = personName.exec(base);
  if (person) return `person${person[1]}/${(person[2] as string).toLowerCase()}`;
  const normal2 = normal2Name.exec(base);
  if (normal2) return `NORMAL2-IM-${normal2[1]}`;
  const im = imName.exec(base);
  if (im) return `IM-${im[1]}`;
  const v3 = mendeleyV3Name.exec(base);
  // V3 IDs are one numbering across NORMAL/BACTERIA/VIRUS, so the class prefix is not part of the patient
  if (v3) return `V3-${v3[1]}`;
  return undefined;
}

/** As `kermany`, but `personN` is one child whichever series the file is in (the conservative reading). */
export function kermanyStrictPatient(fileName: string): string | undefined {
  const id = kermanyPatient(fileName);
  return id?.startsWith('person') ? id.slice(0, id.indexOf('/')) : id;
}

/** CheXpert-style: the nearest `patientNNNNN` directory in the path. */
export function folderPatient(relativePath: string): string | undefined {
  const dirs = relativePath.split('/').slice(0, -1);
  for (let i = dirs.length - 1; i >= 0; i--) if (/^patient\d+$/i.test(dirs[i] as string)) return dirs[i];
  return undefined;
}

const compiled = new Map<string, RegExp>();

export function compilePatientRegex(source: string): RegExp {
  let re = compiled.get(source);
  if (!re) {
    re = new RegExp(source);
    compiled.set(source, re);
  }
  return re;
}

/** User pattern with a named group `patient`, matched against the POSIX path relative to the dataset root. */
export function regexPatient(relativePath: string, source: string): string | undefined {
  const value = compilePatientRegex(source).exec(relativePath)?.groups?.['patient'];
  return value ? value : undefined;
}

/**
 * The patient of a file, or undefined when the rule cannot derive one (the caller records a
 * `no-patient-id` problem; an ID is never made up). `csvValue` is the patient column for the csv rule.
 */
export function patientId(relativePath: string, rule: IdRule, csvValue?: string): string | undefined {
  if (typeof rule === 'object') return regexPatient(relativePath, rule.regex);
  switch (rule) {
    case 'kermany':
      return kermanyPatient(relativePath);
    case 'kermany-strict':
      return kermanyStrictPatient(relativePath);
    case 'folder':
      return folderPatient(relativePath);
    case 'csv': {
      const value = csvValue?.trim();
      return value ? value : undefined;
    }
    case 'dicom':
      // read from the file's PatientID tag by build-manifest, never from the path
      return undefined;
  }
}

export function describeIdRule(rule: IdRule): string {
  return typeof rule === 'object' ? `regex:${rule.regex}` : rule;
}

/** Why a rule could not find a patient, for the problem message. */
export function noPatientHint(rule: IdRule): string {
  if (typeof rule === 'object') return `the path does not match ${rule.regex} with a non-empty (?<patient>…) group`;
  switch (rule) {
    case 'kermany':
    case 'kermany-strict':
      return 'expected personN_bacteria_K / personN_virus_K / IM-NNNN-K / NORMAL2-IM-NNNN-K / NORMAL|BACTERIA|VIRUS-<id>-K; rename the file or choose another idRule';
    case 'folder':
      return 'no patientNNNNN/ directory in the path';
    case 'csv':
      return 'the patient column is empty for this row';
    case 'dicom':
      return 'not a DICOM file with a PatientID (0010,0020); fill the tag or choose another idRule';
  }
}

/** The series a Kermany patient ID belongs to (person numbers are only unique inside a series). */
export function kermanySeries(patient: string): string | undefined {
  if (/^person\d+\/bacteria$/.test(patient)) return 'bacteria';
  if (/^person\d+\/virus$/.test(patient)) return 'virus';
  if (/^person\d+$/.test(patient)) return 'person';
  if (patient.startsWith('NORMAL2-IM-')) return 'NORMAL2-IM';
  if (patient.startsWith('IM-')) return 'IM';
  if (patient.startsWith('V3-')) return 'V3';
  return undefined;
}
