// Typed calls for release plans (api/openapi.yaml, tag release-plans): the plans' read view
// (state, milestone, rollout, guardrail statuses, history, and `definition`, the plan as
// written), the manual actions and the templates.
import { api, type Constraint } from '../api';

export type PlanState = 'draft' | 'running' | 'paused' | 'completed' | 'rolledBack';
export type PlanAction = 'start' | 'pause' | 'resume' | 'advance' | 'rollback';
export type OnBreach = 'rollback' | 'pause' | 'previousMilestone';

export interface Milestone {
  rollout: number;
  advanceAfterSeconds?: number | null;
  advanceAt?: string | null;
  minExposures?: number | null;
}

export interface PrometheusGuardrail {
  query: string;
  url?: string;
  above?: number;
  below?: number;
  forSeconds?: number;
  evaluationIntervalSeconds?: number;
}

export interface Guardrail {
  name: string;
  prometheus?: PrometheusGuardrail;
  metric?: { metric: string; maxRelativeDrop: number };
}

export interface Notify {
  webhook?: { url: string; secretEnv?: string };
}

// A plan as written (ReleasePlanInput; a plan's `definition`), or a template (no feature,
// environment).
export interface PlanSpec {
  name: string;
  feature?: string;
  environment?: string;
  stickiness?: string;
  constraints?: Constraint[];
  segments?: number[];
  milestones: Milestone[];
  guardrails?: Guardrail[];
  onBreach?: OnBreach;
  notify?: Notify | null;
}

export interface Position {
  state: PlanState;
  milestone: number;
  rollout: number;
}

export interface Cause {
  kind: 'manual' | 'schedule' | 'guardrail' | 'guardrailError' | 'sampleRatioMismatch';
  guardrail: string | null;
  value: number | null;
  threshold: number | null;
  since: string | null;
  actor: string | null;
  message: string;
}

export type PlanEvent =
  | 'started'
  | 'advanced'
  | 'steppedBack'
  | 'paused'
  | 'resumed'
  | 'rolledBack'
  | 'completed';

export interface Transition {
  at: string;
  event: PlanEvent;
  from: Position;
  to: Position;
  cause: Cause;
}

export type GuardrailStatusKind = 'ok' | 'breaching' | 'breached' | 'error';

export interface GuardrailStatus {
  name: string;
  status: GuardrailStatusKind;
  value: number | null;
  since: string | null;
  error: string | null;
  // When it was last evaluated (null before the first evaluation).
  lastEvaluatedAt?: string | null;
  // A metric guardrail's confidence sequence for the relative effect, as fractions (0.02 = 2%);
  // null for a Prometheus guardrail or before a metric guardrail's first good evaluation.
  ciLow?: number | null;
  ciHigh?: number | null;
}

export interface ReleasePlan {
  name: string;
  feature: string;
  environment: string;
  state: PlanState;
  milestone: number;
  rollout: number;
  milestoneStartedAt: string | null;
  nextTransitionAt: string | null;
  guardrails: GuardrailStatus[];
  history: Transition[];
  // The plan as written: milestones, guardrails, onBreach, notify, constraints, segments.
  definition?: PlanSpec;
}

interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

const planPath = (name: string) => `/api/v1/release-plans/${encodeURIComponent(name)}`;

export function listReleasePlans(limit: number, cursor?: string): Promise<Page<ReleasePlan>> {
  const params = new URLSearchParams({ limit: String(limit) });
  if (cursor) params.set('cursor', cursor);
  return api('GET', `/api/v1/release-plans?${params}`);
}

export function getReleasePlan(name: string): Promise<ReleasePlan> {
  return api('GET', planPath(name));
}

// The body of POST /api/v1/release-plans: a plan written in full, or made from a template
// (template, queries for its empty Prometheus queries, prometheusUrl for all of them). Values
// are sent as typed so that the API's checks name the field.
export interface NewPlan {
  name: string;
  feature: string;
  environment: string;
  template?: string;
  queries?: Record<string, string>;
  prometheusUrl?: string;
  milestones?: Record<string, unknown>[];
  onBreach?: OnBreach;
}

export function createReleasePlan(body: NewPlan): Promise<ReleasePlan> {
  return api('POST', '/api/v1/release-plans', body);
}

// start, pause, resume, advance or rollback; the API answers the plan after the action. The
// actions take no fields (the body is an empty object).
export function actOnReleasePlan(name: string, action: PlanAction): Promise<ReleasePlan> {
  return api('POST', `${planPath(name)}/${action}`, {});
}

export function listReleasePlanTemplates(): Promise<{ items: PlanSpec[] }> {
  return api('GET', '/api/v1/release-plan-templates');
}

// Which actions the API accepts in each state (the 409s of the action routes).
export const ALLOWED: Record<PlanAction, PlanState[]> = {
  start: ['draft'],
  pause: ['running'],
  resume: ['paused'],
  advance: ['running'],
  rollback: ['running', 'paused'],
};

export const STATE_LABEL: Record<PlanState, string> = {
  draft: 'Draft',
  running: 'Running',
  paused: 'Paused',
  completed: 'Completed',
  rolledBack: 'Rolled back',
};
