import type { Provider } from '../records/cost-record';

/**
 * What a rule looks at. Every field present must match (AND); comparisons are exact, except `model`,
 * `iamPrincipal` and `resource`, where `*` matches any run of characters (`gpt-4o*`).
 */
export interface RuleMatch {
  provider?: Provider | undefined;
  /** AWS linked account. */
  account?: string | undefined;
  /** Any provider's sub-account id (FOCUS SubAccountId), compared exactly. */
  subAccount?: string | undefined;
  service?: string | undefined;
  usageType?: string | undefined;
  tag?: { key: string; value: string } | undefined;
  /** OpenAI project id. */
  project?: string | undefined;
  /** Anthropic workspace id, or `default` for the default workspace. */
  workspace?: string | undefined;
  /** OpenAI or Anthropic API key id. */
  apiKey?: string | undefined;
  model?: string | undefined;
  /** The AI service's caller, an IAM principal ARN pattern (`arn:aws:sts::*:assumed-role/app-role/*`); billing exports only. */
  iamPrincipal?: string | undefined;
  /** The record's resource, a Bedrock (application) inference profile ARN pattern; billing exports only. */
  resource?: string | undefined;
}

/** A rule sends what it matches to one team, or to one shared pool. */
export interface AllocationRule {
  match: RuleMatch;
  team?: string | undefined;
  pool?: string | undefined;
}

/** A team as allocation knows it: its id and the other names its tag may carry. */
export interface TeamNames {
  id: string;
  aliases: readonly string[];
}

/**
 * What allocation needs from the configuration, and nothing else: the teams' names, the team tag key,
 * and the rules in order. The composition layer derives it from the config.
 */
export interface AllocationPolicy {
  teams: readonly TeamNames[];
  /** The tag whose value names a team (`allocation.awsTagKey`). */
  tagKey: string;
  rules: readonly AllocationRule[];
  /**
   * The sources that each carry the whole AWS bill, the configured one first (see `oneBillPerDay`): on a day
   * both have records for, after a switch of `sources.aws.mode`, only the first's count. Absent: every record counts.
   */
  billPrecedence?: readonly string[] | undefined;
  /** Further breakdowns besides team (`allocation.dimensions`), in order; absent or empty when none are configured. */
  dimensions?: readonly DimensionPolicy[] | undefined;
}

/** A dimension rule gives what it matches one value of its dimension. */
export interface DimensionRule {
  match: RuleMatch;
  value: string;
}

/**
 * One further breakdown of spend (feature, environment, customer): a record's value is its tag
 * `tagKey` (trimmed), else the value of the first of `rules` it matches, else `(none)`.
 */
export interface DimensionPolicy {
  id: string;
  tagKey?: string | undefined;
  rules: readonly DimensionRule[];
  /** What the source cannot see for this dimension (Cost Explorer mode), said in its statement section. */
  note?: string | undefined;
}
