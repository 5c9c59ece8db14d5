// Typed calls for autoscaling targets (api/openapi.yaml, tag `targets`): the list with status,
// one target, its decisions (newest first, paged, or live as server-sent events), and for a
// target with a `predictive` block its forecast and capacity report. The shapes are those the
// API returns; fields the document leaves open (`decision`, `actuation`, `metrics`) are typed
// as `governor decide` writes them.
import { api, ApiError, type Page } from '../api';
import { readStream } from '../sse';

export type TargetMode = 'active' | 'dryRun';

export interface TargetMetricSpec {
  name: string;
  type?: string;  // Utilization | AverageValue | Value
  target?: number;
  source?: unknown;  // "push" or {prometheus: {...}}
}

export interface ScalingPolicy {
  type: string;  // Pods | Percent
  value: number;
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: string;
  policies?: ScalingPolicy[];
}

export interface PredictiveSpec {
  mode: 'forecastOnly' | 'forecastAndScale';
  metric?: string;
  model?: string;
  horizonSeconds?: number;
  schedulingBufferSeconds?: number;
  quantile?: number;
  maxCapacityBreach?: string;
  maxCapacityBufferPercent?: number;
  pricePerReplicaHour?: number;
}

export interface TargetSpec {
  name?: string;
  minReplicas?: number;
  maxReplicas: number;
  syncPeriodSeconds?: number;
  tolerance?: number;
  metricMaxAgeSeconds?: number;
  mode?: TargetMode;
  metrics: TargetMetricSpec[];
  behavior?: { scaleUp?: ScalingRules; scaleDown?: ScalingRules };
  cooldown?: { scaleUpSeconds?: number; scaleDownSeconds?: number };
  hook?: Record<string, unknown>;
  predictive?: PredictiveSpec;
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface TargetStatus {
  conditions?: Condition[];
  desiredReplicas?: number | null;
  epoch?: number | null;
  lastDecision?: Decision | null;
  lastSyncAt?: string | null;
  replicas?: number | null;
}

export interface Target {
  name: string;
  version: number;
  source: 'api' | 'config';
  createdAt?: string;
  updatedAt?: string;
  spec: TargetSpec;
  status: TargetStatus;
}

// One metric as the loop read it for a decision.
export interface DecisionMetric {
  name: string;
  source?: string;
  value: number | null;
  sampledAt?: string | null;
  instances?: number;
  error?: string | null;
}

// One metric's proposal: ratio = current / target, replicas = ceil(ratio × current replicas).
export interface Proposal {
  metric: string;
  type?: string;
  target?: number;
  current: number | null;
  ratio: number | null;
  replicas: number | null;
  missing?: boolean;
  stale?: boolean;
}

// A bound that changed the outcome (kind is a reason name: ScaleUpLimit, Cooldown, ...).
export interface AppliedLimit {
  kind: string;
  value?: number;
  policy?: string;
  windowSeconds?: number;
  secondsLeft?: number;
  direction?: 'up' | 'down';
  metrics?: string[];
}

export interface ScaleEvent {
  change: number;
  timestamp: number;  // Unix seconds
}

export interface Prediction {
  metric?: string;
  replicas: number | null;
  acted: boolean;
  wouldAct: boolean;
  provisionFor?: number | null;  // Unix seconds
  forecast?: number | null;
  forecastAtQuantile?: number | null;
  quantile: number;
  model?: string | null;
  skillRatio?: number | null;
  capped?: boolean;
  fallback: string;
  predictorFallback?: string;
  message: string;
}

// The decision's explanation, as `governor decide` prints it.
export interface Explanation {
  replicas?: number;
  currentReplicas?: number;
  reason?: string;
  message?: string;
  proposals?: Proposal[];
  desiredReplicas?: number | null;
  stabilizedReplicas?: number | null;
  limits?: AppliedLimit[];
  newRecommendations?: { replicas: number; timestamp: number }[];
  scaleUpEvent?: ScaleEvent | null;
  scaleDownEvent?: ScaleEvent | null;
  desiredSource?: 'metrics' | 'given' | 'prediction';
  reactiveReplicas?: number | null;
  prediction?: Prediction;
}

export interface Actuation {
  hook?: string | null;
  status?: string;
  error?: string | null;
}

export interface Decision {
  id: string;
  target: string;
  at: string;
  epoch: number;
  replicas: number;
  currentReplicas?: number;
  replicasSource?: string;
  reason: string;
  message?: string;
  mode?: TargetMode;
  metrics?: DecisionMetric[];
  decision?: Explanation;
  actuation: Actuation;
}

export interface ForecastAccuracy {
  mase: number;
  smape: number;
  oneStepMase: number;
  seasonalNaiveMase: number;
  persistenceMase: number;
  points: number;
}

export interface Forecast {
  target: string;
  metric: string;
  mode: string;
  stepSeconds: number;
  history: { steps: number; observed: number; start: string | null; end: string | null };
  model: string | null;
  reason: string;
  fallback: string;
  accuracy: ForecastAccuracy | null;
  forecast: {
    start: string;
    stepSeconds: number;
    times: string[];
    point: (number | null)[];
    bands: { quantile: number; values: (number | null)[] }[];
  } | null;
}

export interface CapacityReport {
  target: string;
  metric: string;
  quantile: number;
  stepSeconds: number;
  horizonSeconds: number;
  model: string | null;
  reason: string;
  fallback: string;
  accuracy: ForecastAccuracy | null;
  from?: string | null;
  to?: string | null;
  peak: {
    load: number;
    at: string;
    loadAtQuantile: number;
    replicas: number;
    replicasUnbounded: number;
  } | null;
  exceedsMaxReplicas?: boolean;
  replicaHours: number | null;
  pricePerReplicaHour?: number | null;
  cost: number | null;
  requests?: number | null;
  requestsPerReplicaHour?: number | null;
  costPer1000Requests?: number | null;
}

const path = (name: string, rest = '') => `/api/v1/targets/${encodeURIComponent(name)}${rest}`;

function query(limit: number, cursor?: string): string {
  const params = new URLSearchParams({ limit: String(limit) });
  if (cursor) params.set('cursor', cursor);
  return params.toString();
}

export function listTargets(limit: number, cursor?: string): Promise<Page<Target>> {
  return api('GET', `/api/v1/targets?${query(limit, cursor)}`);
}

export function getTarget(name: string): Promise<Target> {
  return api('GET', path(name));
}

export function listDecisions(
  name: string,
  limit: number,
  cursor?: string,
): Promise<Page<Decision>> {
  return api('GET', path(name, `/decisions?${query(limit, cursor)}`));
}

// null when the target has no predictive block (the API's 409).
async function unlessNotPredictive<T>(call: Promise<T>): Promise<T | null> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) return null;
    throw err;
  }
}

export function getForecast(name: string): Promise<Forecast | null> {
  return unlessNotPredictive(api<Forecast>('GET', path(name, '/forecast')));
}

export function getCapacity(name: string): Promise<CapacityReport | null> {
  return unlessNotPredictive(api<CapacityReport>('GET', path(name, '/capacity')));
}

export interface DecisionWatch {
  onDecision: (d: Decision) => void;
  onStatus: (connected: boolean) => void;
  onUnauthorized: () => void;
  signal: AbortSignal;
}

// Follows GET .../decisions/stream: each connection (the first and every reconnect) opens with
// the `last` newest decisions, oldest first, then brings each new decision once. Returns when
// `signal` aborts or the token is refused.
export function watchDecisions(name: string, last: number, w: DecisionWatch): Promise<void> {
  return readStream(path(name, `/decisions/stream?last=${last}`), {
    signal: w.signal,
    onStatus: w.onStatus,
    onUnauthorized: w.onUnauthorized,
    onEvent: (e) => {
      if (e.event !== 'decision') return;
      let d: Decision;
      try {
        d = JSON.parse(e.data) as Decision;
      } catch {
        return;  // not a decision; the stream goes on
      }
      w.onDecision(d);
    },
  });
}
