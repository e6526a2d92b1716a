/**
 * The bench's "Alert timing" section, from {@link replaySampleSpike}'s figures: as text, and as one
 * JSON Lines object. Pure: the replay's result in, lines out.
 */
import type { SpikeReplayResult } from './spike-replay';

/** The replay as a JSON Lines object (the hourly runs' published alerts left out). */
export function alertTimingLine(r: SpikeReplayResult) {
  const ingest = r.runs.map((run) => run.ingestMs).sort((a, b) => a - b);
  return {
    type: 'alert-timing' as const,
    spikeStart: r.spikeStart,
    historyMs: Math.round(r.history.ms),
    historyRecords: r.history.records,
    hourlyRuns: r.runs.length,
    ingestMs: { min: Math.round(ingest[0] ?? 0), median: Math.round(ingest[Math.floor(ingest.length / 2)] ?? 0), max: Math.round(ingest.at(-1) ?? 0) },
    evaluateMs: { min: Math.round(r.evaluateMs.min), median: Math.round(r.evaluateMs.median), max: Math.round(r.evaluateMs.max) },
    firstAnomaly: r.firstAnomaly ? { at: r.firstAnomaly.at, hoursAfterSpike: r.firstAnomaly.hoursAfterSpike, latencyMs: Math.round(r.firstAnomaly.latencyMs), subject: r.firstAnomaly.subject } : null,
  };
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });
const at = (iso: string) => `${iso.slice(0, 16)}Z`;
const ms = (n: number) => `${fmt(n)} ms`;

/** The section as text. */
export function alertTimingText(r: SpikeReplayResult): string {
  const out = ['Alert timing (sample books and costline.config.json; simulated clock shared by the jobs and the provider emulators):'];
  out.push(`  history load: daily job at ${at(r.history.at)}, ${r.history.window.start}..${r.history.window.end} (end exclusive), all sources: ${fmt(r.history.records)} records in ${ms(r.history.ms)}; no alert evaluation`);
  const ingest = r.runs.map((run) => run.ingestMs).sort((a, b) => a - b);
  out.push(
    `  hourly usage runs (1h buckets, [yesterday, tomorrow), then alert evaluation): ${r.runs.length}, ${at(r.runs[0]!.at)} .. ${at(r.runs.at(-1)!.at)}; ` +
      `ingestion ${ms(ingest[0]!)} min, ${ms(ingest[Math.floor(ingest.length / 2)]!)} median, ${ms(ingest.at(-1)!)} max`,
  );
  for (const run of r.runs.filter((x) => x.published.length > 0)) {
    out.push(`    ${at(run.at)} published ${run.published.length}: ${run.published.map((p) => `${p.kind} (${p.team})`).join(', ')}`);
  }
  out.push(`  spike start:          ${at(r.spikeStart)}`);
  const first = r.firstAnomaly;
  if (first) {
    out.push(`  first anomaly alert:  ${at(first.at)} run, ${first.hoursAfterSpike.toFixed(2)} h after the spike started`);
    out.push(`    ${first.subject}`);
    out.push(`    scope ${first.scope}${first.model ? `, model ${first.model}` : ''}, severity ${first.severity}`);
    out.push(`    ${first.summary}`);
    out.push(`  alert latency:        ${ms(first.latencyMs)} from the end of that run's ingestion to the alert published`);
  } else {
    out.push(`  first anomaly alert:  none published for team search by the last hourly run (${at(r.runs.at(-1)!.at)})`);
    if (r.heldAnomaly) out.push(`    (recorded but held by the daily cap at ${at(r.heldAnomaly.at)}: ${r.heldAnomaly.subject})`);
  }
  out.push(`  alert evaluation:     ${ms(r.evaluateMs.min)} min, ${ms(r.evaluateMs.median)} median, ${ms(r.evaluateMs.max)} max over ${r.runs.length} hourly runs`);
  return out.join('\n');
}
