/**
 * Test equipment for crash and fault runs (`npm run chaos`, test/integration/crash-recovery.test.ts): a small
 * world of loopback servers, and the local CLI run in it as a real child process that can be killed.
 *
 * The world: the sample organisation's first three days of October, served by the local Cost Explorer, OpenAI
 * and Anthropic, each behind a fault-injecting proxy; one SNS that outlives every run, so what a killed run
 * sent is still counted; and a configuration whose budgets are a tenth of the sample's, so three days cross
 * the thresholds a whole month would. Two phases, each one `--live --month 2026-10` run at a pinned instant:
 * `early` (2026-10-03: two days in, the first threshold levels) and `closed` (2026-11-07: the month is final,
 * closes and its statement is sent, higher levels fire). Nothing leaves the machine.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_CONFIG_FILE } from '../../functions/config/load-config';
import { SOURCE_IDS } from '../../functions/lib/source-ids';
import { startAnthropicServer, type AnthropicServer } from '../emulators/anthropic-server';
import { startCostExplorerServer, type CostExplorerServer } from '../emulators/cost-explorer-server';
import { startFaultProxy, type FaultProxy } from '../emulators/fault-proxy';
import { startOpenAiServer, type OpenAiServer } from '../emulators/openai-server';
import { startSnsServer, type SnsServer } from '../emulators/sns-server';
import type { Ledger } from '../sample/ledger';
import type { ProviderLedger } from '../sample/provider-ledger';
import { sampleLedger } from '../sample/sample-ledger';
import { sampleProviderLedger } from '../sample/sample-provider-ledger';

/** The month every run charges back. */
export const CHAOS_MONTH = '2026-10';
/** The days the world's books hold: 1-3 October (end exclusive). */
const FIRST_DAY = '2026-10-01';
const END_DAY = '2026-10-04';

/** A run of the local CLI at a pinned instant. */
export interface Phase {
  name: 'early' | 'closed';
  /** `--now` of the run. */
  now: string;
}

/** The two runs of a world's history, in order. */
export const PHASES: readonly Phase[] = [
  { name: 'early', now: '2026-10-03T06:00:00Z' },
  { name: 'closed', now: '2026-11-07T06:00:00Z' },
];

/** The sources a fault can be put in front of. */
export type ChaosSource = 'cost-explorer' | 'openai' | 'anthropic';
export const CHAOS_SOURCES: readonly ChaosSource[] = ['cost-explorer', 'openai', 'anthropic'];

/** Words a failure must use to name each source (its ids, as the run summary prints them, or its name). */
export const SOURCE_NAMES: Record<ChaosSource, RegExp> = {
  'cost-explorer': namedBy([SOURCE_IDS.aws], 'Cost Explorer'),
  openai: namedBy(Object.values(SOURCE_IDS.openai), 'OpenAI'),
  anthropic: namedBy(Object.values(SOURCE_IDS.anthropic), 'Anthropic'),
};

/** A pattern matching any of a source's ids or its name (the ids are plain `[a-z-]` words). */
function namedBy(ids: readonly string[], name: string): RegExp {
  return new RegExp([...ids, name].join('|'));
}

const ADMIN_KEYS = { openai: 'sk-admin-LOCALchaos00000000000001', anthropic: 'sk-ant-admin-LOCALchaos0000000001' } as const;
/** The repository's root, where runs start. */
export const REPO = resolve(import.meta.dirname, '..', '..');
/** The local CLI's entry file. */
export const CLI = join(REPO, 'local', 'cli.ts');

/** A running world; `close()` it when done. */
export interface ChaosWorld {
  /** One proxy per source: inject faults here. */
  proxies: Record<ChaosSource, FaultProxy>;
  /** The SNS every run publishes to (alerts and statements), for the whole life of the world. */
  sns: SnsServer;
  /** The configuration file the runs use. */
  configPath: string;
  /** Sets the simulated present the provider servers answer at (the CLI's `--now` pins the jobs' clock). */
  setNow(instant: string): void;
  /** The environment a run gets: endpoints, keys, the shared SNS; nothing inherited that could reach AWS. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts the world's servers on 127.0.0.1 and writes its configuration into `dir`.
 * @param dir a scratch folder (the config file goes there)
 */
export async function startChaosWorld(dir: string): Promise<ChaosWorld> {
  let now = new Date(PHASES[0]!.now);
  const at = () => now;
  const books = threeDayBooks();
  const servers: { ce: CostExplorerServer; openai: OpenAiServer; anthropic: AnthropicServer } = {
    ce: await startCostExplorerServer({ ledger: threeDayLedger() }),
    openai: await startOpenAiServer({ ledger: books.openai, adminKey: ADMIN_KEYS.openai, now: at }),
    anthropic: await startAnthropicServer({ ledger: books.anthropic, adminKey: ADMIN_KEYS.anthropic, now: at }),
  };
  const proxies: Record<ChaosSource, FaultProxy> = {
    'cost-explorer': await startFaultProxy({ target: servers.ce.url }),
    openai: await startFaultProxy({ target: servers.openai.url }),
    anthropic: await startFaultProxy({ target: servers.anthropic.url }),
  };
  const sns = await startSnsServer();
  const configPath = join(dir, 'chaos.config.json');
  writeFileSync(configPath, `${JSON.stringify(tenthOfBudgets(JSON.parse(readFileSync(join(REPO, DEFAULT_CONFIG_FILE), 'utf8'))), null, 2)}\n`);
  const env = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCALCHAOS',
    AWS_SECRET_ACCESS_KEY: 'local-chaos',
    AWS_ENDPOINT_URL_COST_EXPLORER: proxies['cost-explorer'].url,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    OPENAI_BASE_URL: proxies.openai.url,
    OPENAI_ADMIN_KEY: ADMIN_KEYS.openai,
    ANTHROPIC_BASE_URL: proxies.anthropic.url,
    ANTHROPIC_ADMIN_KEY: ADMIN_KEYS.anthropic,
    COSTLINE_LOCAL_SNS_URL: sns.url,
  };
  return {
    proxies,
    sns,
    configPath,
    setNow: (instant) => void (now = new Date(instant)),
    env,
    async close() {
      for (const proxy of Object.values(proxies)) await proxy.close();
      await Promise.all([servers.ce.close(), servers.openai.close(), servers.anthropic.close(), sns.close()]);
    },
  };
}

/** The sample bill's first three days of October, all final (so the month closes once its close day passes). */
function threeDayLedger(): Ledger {
  const ledger = sampleLedger();
  return { ...ledger, finalizedThrough: '2026-10-31', lineItems: ledger.lineItems.filter((i) => i.date >= FIRST_DAY && i.date < END_DAY && i.postedOn === undefined) };
}

/** The sample provider books' first three days of October. */
function threeDayBooks(): ProviderLedger {
  const books = sampleProviderLedger();
  const inDays = (instant: string) => instant.slice(0, 10) >= FIRST_DAY && instant.slice(0, 10) < END_DAY;
  return {
    openai: {
      usage: books.openai.usage.filter((r) => inDays(r.hour)),
      costs: books.openai.costs.filter((r) => inDays(r.day)),
      ...(books.openai.unitUsage ? { unitUsage: books.openai.unitUsage.filter((r) => inDays(r.hour)) } : {}),
    },
    anthropic: { usage: books.anthropic.usage.filter((r) => inDays(r.hour)), costs: books.anthropic.costs.filter((r) => inDays(r.day)) },
  };
}

/** The sample configuration with every budget a tenth as large: three days of spend against them cross thresholds. */
function tenthOfBudgets(config: Record<string, unknown>): Record<string, unknown> {
  const tenth = (n: unknown) => (typeof n === 'number' ? n / 10 : n);
  const teams = (config.teams as Array<Record<string, unknown>>).map((t) => ({ ...t, monthlyBudget: tenth(t.monthlyBudget) }));
  const alerts = config.alerts as Record<string, unknown>;
  const budgets = ((alerts.budgets as Array<Record<string, unknown>> | undefined) ?? []).map((b) => ({ ...b, monthly: tenth(b.monthly) }));
  return { ...config, teams, alerts: { ...alerts, budgets, organizationAiBudget: tenth(alerts.organizationAiBudget) } };
}
