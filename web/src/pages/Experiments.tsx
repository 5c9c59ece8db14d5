// Experiments (A/B tests on flags): every experiment (GET /api/v1/experiments, all pages),
// grouped by status in its lifecycle's order (draft, running, stopped, concluded), each with its
// flag, environment, start and stop dates, and a link to its page.
import { useEffect, useState } from 'preact/hooks';
import { Link, type PageProps } from '../router';
import {
  listAllExperiments,
  STATUSES,
  type Experiment,
  type ExperimentStatus,
} from '../apis/experiments';
import { when } from '../format';
import { useFail } from '../hooks';
import { Notices } from './Notices';
import './experiments.css';

export const STATUS_TITLES: Record<ExperimentStatus, string> = {
  draft: 'Draft',
  running: 'Running',
  stopped: 'Stopped',
  concluded: 'Concluded',
};

const DECISION_TEXT = { ship: 'Shipped', rollback: 'Rolled back', inconclusive: 'Inconclusive' };

export function conclusionText(e: Experiment): string {
  const c = e.conclusion;
  if (!c) return '';
  return c.decision === 'ship' && c.variant ? `Shipped ${c.variant}` : DECISION_TEXT[c.decision];
}

export function ExperimentsPage({ onUnauthorized }: PageProps) {
  const [experiments, setExperiments] = useState<Experiment[] | null>(null);
  const [error, setError] = useState('');
  const fail = useFail(onUnauthorized, setError);

  useEffect(() => {
    listAllExperiments()
      .then((items) => {
        setExperiments(items);
        setError('');
      })
      .catch(fail);
  }, []);

  return (
    <section aria-labelledby="experiments-title" class="experiments">
      <h1 id="experiments-title">Experiments</h1>
      <p class="hint">
        A/B tests on flags: an experiment's arms are its flag's variants in one environment.
      </p>
      <Notices
        error={error}
        status={experiments === null ? (error ? '' : 'Loading experiments…') : `${experiments.length} experiments`}
      />
      {experiments &&
        STATUSES.map((status) => {
          const items = experiments.filter((e) => e.status === status);
          const id = `experiments-${status}`;
          return (
            <section key={status} aria-labelledby={id} class="experiment-group">
              <h2 id={id}>
                <span class={`badge badge-${status}`}>{STATUS_TITLES[status]}</span>{' '}
                <span class="count">({items.length})</span>
              </h2>
              {items.length === 0 ? (
                <p class="empty">No {status} experiments.</p>
              ) : (
                <table class="grid">
                  <caption class="visually-hidden">{STATUS_TITLES[status]} experiments</caption>
                  <thead>
                    <tr>
                      <th scope="col">Experiment</th>
                      <th scope="col">Flag</th>
                      <th scope="col">Environment</th>
                      <th scope="col">Started</th>
                      <th scope="col">{status === 'concluded' ? 'Decision' : 'Stopped'}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {items.map((e) => (
                      <tr key={e.key}>
                        <th scope="row">
                          <Link href={`/ui/experiments/${encodeURIComponent(e.key)}`}>{e.name || e.key}</Link>
                          {e.name && e.name !== e.key && <span class="key"> {e.key}</span>}
                        </th>
                        <td>
                          <Link href={`/ui/flags/${encodeURIComponent(e.feature)}`}>{e.feature}</Link>
                        </td>
                        <td>{e.environment}</td>
                        <td>{when(e.startedAt)}</td>
                        <td>{status === 'concluded' ? conclusionText(e) : when(e.stoppedAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </section>
          );
        })}
    </section>
  );
}
