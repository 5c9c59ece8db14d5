// Typed calls of the experiments API (api/openapi.yaml, tag experiments): the experiments, their
// lifecycle (start, stop, conclude), their results (JSON and CSV) and the metric definitions.
import { api, apiText } from '../api';

export type ExperimentStatus = 'draft' | 'running' | 'stopped' | 'concluded';
export const STATUSES: ExperimentStatus[] = ['draft', 'running', 'stopped', 'concluded'];

export type MetricRole = 'goal' | 'secondary' | 'guardrail';
export type Decision = 'ship' | 'rollback' | 'inconclusive';
export const DECISIONS: Decision[] = ['ship', 'rollback', 'inconclusive'];

export interface ExperimentAnalysis {
  engine?: 'frequentist' | 'bayesian';
  difference?: 'relative' | 'absolute';
  alpha?: number;
  sequential?: { tuningParameter?: number } | null;
  prior?: { mean: number; variance: number } | null;
  cupedLookbackSeconds?: number | null;
  correction?: 'none' | 'holmBonferroni' | 'benjaminiHochberg';
}

export interface ExperimentConclusion {
  decision: Decision;
  variant: string | null;
  reason: string;
  actor: string;
  at: string;
}

export interface Experiment {
  key: string;
  name: string;
  hypothesis: string;
  environment: string;
  feature: string;
  controlVariant: string;
  randomizationUnit: string;
  metrics: { metric: string; role: MetricRole }[];
  analysis: ExperimentAnalysis;
  status: ExperimentStatus;
  arms: { variant: string; weight: number }[];
  startedAt: string | null;
  stoppedAt: string | null;
  conclusion: ExperimentConclusion | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type Interval = [number | null, number | null];

export interface VariantResult {
  name: string;
  control: boolean;
  units: number;
  mean: number | null;
  meanCi?: Interval;
  effect?: number | null;
  ci?: Interval;
  stdError?: number | null;
  pValue?: number | null;
  adjustedPValue?: number | null;
  power?: {
    minimumDetectableEffect: number | null;
    power: number | null;
    unitsNeeded: number | null;
    daysNeeded: number | null;
  };
  chanceToWin?: number | null;
  decision?: 'win' | 'loss' | 'inconclusive';
  error?: { code: string; message: string };
}

export interface MetricResult {
  metric: string;
  role: MetricRole;
  type: 'proportion' | 'mean' | 'ratio';
  direction: 'higherIsBetter' | 'lowerIsBetter';
  cuped: boolean;
  variants: VariantResult[];
}

export interface SeriesPoint {
  date: string;  // YYYY-MM-DD (UTC)
  metric: string;
  variant: string;
  units: number;
  mean: number | null;
  effect?: number | null;
  ci?: Interval;
}

export type WarningCode = 'lowSample' | 'multipleExposures' | 'peeking' | 'sampleRatioMismatch';

export interface ExperimentResults {
  experiment: string;
  status: ExperimentStatus;
  computedAt: string;
  engine: 'frequentist' | 'bayesian';
  difference: 'relative' | 'absolute';
  alpha: number;
  sequential: boolean;
  correction: 'none' | 'holmBonferroni' | 'benjaminiHochberg';
  exposures: number;
  multipleExposureUnits: number;
  pendingEvents: number;
  variants: { name: string; control: boolean; units: number; weight?: number }[];
  srm: { chiSquare: number | null; pValue: number | null; mismatch: boolean } | null;
  metrics: MetricResult[];
  warnings: { code: WarningCode; message: string; variant?: string }[];
  series: SeriesPoint[];
}

export interface ConcludeRequest {
  decision: Decision;
  variant?: string;
  reason?: string;
}

interface ListPage<T> {
  items: T[];
  nextCursor?: string | null;
}

const path = (key: string, rest = '') => `/api/v1/experiments/${encodeURIComponent(key)}${rest}`;

// Every experiment, following the cursor (the API lists them by key, 100 a page).
export async function listAllExperiments(): Promise<Experiment[]> {
  const out: Experiment[] = [];
  let cursor: string | null | undefined;
  do {
    const params = new URLSearchParams({ limit: '100' });
    if (cursor) params.set('cursor', cursor);
    const page = await api<ListPage<Experiment>>('GET', `/api/v1/experiments?${params}`);
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

export function getExperiment(key: string): Promise<Experiment> {
  return api('GET', path(key));
}

export function startExperiment(key: string): Promise<Experiment> {
  return api('POST', path(key, '/start'), {});
}

export function stopExperiment(key: string): Promise<Experiment> {
  return api('POST', path(key, '/stop'), {});
}

export function concludeExperiment(key: string, body: ConcludeRequest): Promise<Experiment> {
  return api('POST', path(key, '/conclude'), body);
}

export function getResults(key: string): Promise<ExperimentResults> {
  return api('GET', path(key, '/results'));
}

// The results as CSV text (GET .../results.csv), with the session's token.
export function getResultsCsv(key: string): Promise<string> {
  return apiText(path(key, '/results.csv'), 'text/csv, application/json');
}
