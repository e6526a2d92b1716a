/**
 * The bench's "Alert timing" replay: how long after the sample books' spend spike the hourly usage job
 * publishes its anomaly alert, and how long the evaluation takes. Runs the real use-cases and adapters
 * against dynalite and the loopback servers with one simulated clock, shared by the jobs and by the
 * provider emulators (which then serve only usage that has happened and bills of days that are over).
 */
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../../functions/config/load-config';
import { addDays, toDay, type DayWindow } from '../../functions/domain/records/dates';
import type { Log, MessagePublisher, OutboundMessage, SentAlert } from '../../functions/ports/ports';
import { createClients, dailyDeps, type ProviderAccess } from '../../functions/app/compose';
import { evaluateBudgetAlerts } from '../../functions/use-cases/evaluate-budget-alerts';
import { ingestEverySource } from '../../functions/use-cases/ingest-billing';
import { startAnthropicServer } from '../emulators/anthropic-server';
import { startCostExplorerServer } from '../emulators/cost-explorer-server';
import { startOpenAiServer } from '../emulators/openai-server';
import { startSnsServer } from '../emulators/sns-server';
import { ledgerAsOf } from '../sample/ledger';
import { ensureTable, startLocalDynamo } from '../local-dynamodb';
import { sampleLedger } from '../sample/sample-ledger';
import { sampleProviderLedger, SPIKE_DAY, SPIKE_FROM_HOUR } from '../sample/sample-provider-ledger';

/**
 * When the sample books' spike starts: proj_search's gpt-4o from `SPIKE_DAY` at `SPIKE_FROM_HOUR` UTC.
 */
export const SAMPLE_SPIKE_START = `${SPIKE_DAY}T${String(SPIKE_FROM_HOUR).padStart(2, '0')}:00:00Z`;
/** The team whose anomaly alert is awaited (proj_search maps to it in costline.config.json). */
const SPIKE_TEAM = 'search';
/** The daily job's morning run that loads the history, and the hourly runs after it (HH:15, through 10-22 06:15). */
const HISTORY_RUN = '2026-10-21T06:00:00Z';
const HISTORY: DayWindow = { start: '2026-09-01', end: '2026-10-21' };
const FIRST_HOURLY = '2026-10-21T00:15:00Z';
const LAST_HOURLY = '2026-10-22T06:15:00Z';
const HOUR_MS = 3_600_000;

/** One hourly usage run. */
export interface HourlyRunTiming {
  /** The simulated instant of the run (ISO 8601). */
  at: string;
  /** Wall time of the usage ingestion, ms. */
  ingestMs: number;
  /** Wall time of the alert evaluation, ms. */
  evaluateMs: number;
  /** Alerts the run published: subject, kind, team. */
  published: Array<{ subject: string; kind: string; team: string }>;
}

/** The first anomaly alert published for the spike's team, and when. */
export interface FirstAnomaly {
  /** The simulated instant of the run that published it. */
  at: string;
  /** Simulated hours from the spike's start to that run. */
  hoursAfterSpike: number;
  subject: string;
  /** From the alert's key: `team:search` or `team:search/model:<model>`. */
  scope: string;
  model: string | null;
  severity: string;
  /** The first line of the alert's text (actual, expected, impact). */
  summary: string;
  /** ms from the end of the run's ingestion to the alert's publish call returning. */
  latencyMs: number;
}

/** What {@link replaySampleSpike} measured. */
export interface SpikeReplayResult {
  spikeStart: string;
  /** The history load (daily job's ingestion, all sources): wall ms and records ingested. */
  history: { at: string; window: DayWindow; ms: number; records: number };
  /** Every hourly run made, in order (they stop at the first anomaly alert for the team). */
  runs: HourlyRunTiming[];
  /** Undefined when none was published by the last hourly run. */
  firstAnomaly?: FirstAnomaly;
  /** An anomaly alert for the team recorded but held back (daily cap), if one was, when none was published. */
  heldAnomaly?: { at: string; subject: string };
  /** Alert evaluation wall time across the hourly runs, ms. */
  evaluateMs: { min: number; median: number; max: number };
}

const quiet: Log = { info: () => undefined, warn: () => undefined, error: (message, ...extra) => console.error(message, ...extra) };

/**
 * Replays 2026-10-21/22 on the sample books (sampleLedger, sampleProviderLedger, costline.config.json):
 * the daily job's history load at 06:00 (2026-09-01..2026-10-21, all sources; no alert evaluation), then
 * the hourly usage job at HH:15 from 10-21 00:15 to 10-22 06:15 — ingestion of usage for [yesterday,
 * tomorrow) in 1-hour buckets, then alert evaluation of the months it touched — until the first anomaly
 * alert for team search is published. The history load runs at 06:00, the daily job's hour; with the
 * emulators' clock it sees the same data as at 00:00 (bills before 10-21, usage through 10-20), so the
 * hourly runs from 00:15 on do not see anything earlier than they could have. As the load evaluates no
 * alerts, the first hourly run publishes October's standing ones, and they count toward 10-21's daily cap.
 */
export async function replaySampleSpike(): Promise<SpikeReplayResult> {
  const config = loadConfigFile(fileURLToPath(new URL('../../costline.config.json', import.meta.url)));
  let now = new Date(HISTORY_RUN);
  const clock = { now: () => now };
  const books = sampleProviderLedger();
  const dynamo = await startLocalDynamo();
  const ce = await startCostExplorerServer({ ledger: ledgerAsOf(sampleLedger(), toDay(new Date(HISTORY_RUN))) });
  const sns = await startSnsServer();
  const keys = { openai: 'sk-admin-spike-replay', anthropic: 'sk-ant-admin-spike-replay' };
  const openai = await startOpenAiServer({ ledger: books.openai, adminKey: keys.openai, now: clock.now });
  const anthropic = await startAnthropicServer({ ledger: books.anthropic, adminKey: keys.anthropic, now: clock.now });
  const clients = createClients({ region: 'us-east-1', loopbackCredentials: { accessKeyId: 'b', secretAccessKey: 'b' }, endpoints: { dynamodb: dynamo.endpoint, costExplorer: ce.url, sns: sns.url } });
  const access = (usageBucketWidth: '1h' | '1d'): ProviderAccess => ({ secret: (p) => async () => keys[p], baseUrls: { openai: openai.url, anthropic: anthropic.url }, usageBucketWidth });
  try {
    await ensureTable(clients.dynamo as never, 'costline');
    const common = { config, clients, tableName: 'costline', alertsTopicArn: 'arn:aws:sns:us-east-1:000000000000:costline-alerts', clock, log: quiet };
    const daily = dailyDeps({ ...common, access: access('1d') });
    const hourlyDeps = dailyDeps({ ...common, access: access('1h') });
    // When each alert's publish returned (performance.now()), to time the alert from the end of ingestion.
    const publishes: Array<{ at: number; message: OutboundMessage }> = [];
    const timed: MessagePublisher = {
      publish: async (message) => {
        const id = await hourlyDeps.alerts.publish(message);
        publishes.push({ at: performance.now(), message });
        return id;
      },
    };
    const hourly = { ...hourlyDeps, alerts: timed };

    const historyStart = performance.now();
    const loaded = await ingestEverySource(daily, { window: HISTORY });
    const history = {
      at: HISTORY_RUN,
      window: HISTORY,
      ms: performance.now() - historyStart,
      records: loaded.outcomes.reduce((n, o) => n + (o.ok ? o.records : 0), 0),
    };

    const runs: HourlyRunTiming[] = [];
    let firstAnomaly: FirstAnomaly | undefined;
    let heldAnomaly: SpikeReplayResult['heldAnomaly'];
    const spikeStart = Date.parse(SAMPLE_SPIKE_START);
    for (let t = Date.parse(FIRST_HOURLY); t <= Date.parse(LAST_HOURLY) && !firstAnomaly; t += HOUR_MS) {
      now = new Date(t);
      const today = toDay(now);
      const before = publishes.length;
      const ingestStart = performance.now();
      const summary = await ingestEverySource(hourly, { kinds: ['usage'], window: { start: addDays(today, -1), end: addDays(today, 1) } });
      const ingestEnd = performance.now();
      const evaluations = await evaluateBudgetAlerts(hourly, summary.months);
      const evaluateEnd = performance.now();
      const published = publishes.slice(before);
      runs.push({
        at: now.toISOString(),
        ingestMs: ingestEnd - ingestStart,
        evaluateMs: evaluateEnd - ingestEnd,
        published: published.map(({ message }) => ({ subject: message.subject, kind: message.attributes.kind ?? '', team: message.attributes.team ?? '' })),
      });
      const anomaly = published.find(({ message }) => message.attributes.kind === 'anomaly' && message.attributes.team === SPIKE_TEAM);
      if (anomaly) {
        const alert: SentAlert | undefined = evaluations.flatMap((e) => e.fired).find((a) => a.subject === anomaly.message.subject);
        firstAnomaly = {
          at: now.toISOString(),
          hoursAfterSpike: (t - spikeStart) / HOUR_MS,
          subject: anomaly.message.subject,
          scope: alert?.key.split('#')[1] ?? '(unknown)',
          model: anomaly.message.attributes.model ?? null,
          severity: anomaly.message.attributes.severity ?? '',
          summary: anomaly.message.body.split('\n')[0] ?? '',
          latencyMs: anomaly.at - ingestEnd,
        };
      } else if (!heldAnomaly) {
        const held = (await Promise.all(summary.months.map((m) => hourly.ledger.listMonth(m))))
          .flat()
          .find((a) => a.attributes.kind === 'anomaly' && a.attributes.team === SPIKE_TEAM && a.delivery === 'held');
        if (held) heldAnomaly = { at: now.toISOString(), subject: held.subject };
      }
    }

    const sorted = runs.map((r) => r.evaluateMs).sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    return {
      spikeStart: SAMPLE_SPIKE_START,
      history,
      runs,
      ...(firstAnomaly ? { firstAnomaly } : {}),
      ...(heldAnomaly && !firstAnomaly ? { heldAnomaly } : {}),
      evaluateMs: { min: sorted[0] ?? 0, median, max: sorted.at(-1) ?? 0 },
    };
  } finally {
    await openai.close();
    await anthropic.close();
    await ce.close();
    await sns.close();
    for (const client of Object.values(clients)) client.destroy();
    await dynamo.close();
  }
}
