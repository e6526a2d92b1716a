import { Annotations, App, CliCredentialsStackSynthesizer, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configWarnings } from '../functions/config/config-schema';
import { ConfigError, DEFAULT_CONFIG_FILE, loadConfigFile, type CostlineConfig } from '../functions/config/load-config';
import { DATA_EXPORTS_REGION } from './constructs/billing-export';
import { dataExportsLocation } from './constructs/data-exports-read';
import { CostlineStack } from './costline-stack';
import { PayerAccessStack } from './payer-access-stack';

/** Stack name when `-c stackName=` is not given; also the prefix of alarm names, role paths and the dashboard. */
export const DEFAULT_STACK_NAME = 'Costline';
/** Tag key naming the stage (the stack name unless `-c stage=` says otherwise) on every resource. */
export const STAGE_TAG = 'costline:stage';

/**
 * A letter, then letters, digits and hyphens (CloudFormation's rule), short enough for the names derived from
 * it: `<name>-cost-read` is an IAM role name (64 characters at most), alarm names add a source id.
 */
const STACK_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]{0,39}$/;
/** AWS tag values: letters, digits, spaces and `_.:/=+-@`, at most 256 characters. */
const TAG_VALUE_PATTERN = /^[\p{L}\p{N}\s_.:/=+\-@]{1,256}$/u;

/** What the deployer chose on the command line (`-c stackName=... -c stage=... -c ownerTeam=...`). */
export interface DeploySettings {
  /** `-c stackName=NAME`, default `Costline`: staging and production can live in one account. */
  readonly stackName: string;
  /** `-c stage=NAME`, default the stack name: the `costline:stage` tag. */
  readonly stage: string;
  /**
   * `-c ownerTeam=ID`: a team of the config. Every resource is tagged `<allocation.awsTagKey>=<ID>`, so costline
   * allocates its own spend to the team that runs it.
   */
  readonly ownerTeam?: string;
  /** `-c workloadAccount=ID`: the default of the payer-access stack's WorkloadAccountId parameter. */
  readonly workloadAccount?: string;
  /**
   * `-c createExport=false`: in data-exports mode, adopt the export and bucket of `sources.aws.dataExports` rather
   * than create them in the payer-access stack. Default true. Ignored in Cost Explorer mode.
   */
  readonly createExport: boolean;
}

/**
 * Config file to synthesize with: context `config` (`cdk synth -c config=path`), else `COSTLINE_CONFIG`, else
 * `costline.config.json` in the working directory.
 */
export function configPathFor(app: App, env: NodeJS.ProcessEnv = process.env): string {
  const fromContext: unknown = app.node.tryGetContext('config');
  if (typeof fromContext === 'string' && fromContext !== '') return fromContext;
  return env.COSTLINE_CONFIG || DEFAULT_CONFIG_FILE;
}

/** Reads and checks the deploy settings from the app's context. @throws ConfigError naming each bad `-c` value */
export function deploySettings(app: App, config: CostlineConfig): DeploySettings {
  const problems: string[] = [];
  const text = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    if (value === undefined || value === '') return undefined;
    return String(value);
  };
  const stackName = text('stackName') ?? DEFAULT_STACK_NAME;
  if (!STACK_NAME_PATTERN.test(stackName)) problems.push(`-c stackName=${stackName}: expected a letter, then letters, digits and hyphens, at most 40 characters`);
  const stage = text('stage') ?? stackName;
  if (!TAG_VALUE_PATTERN.test(stage)) problems.push(`-c stage=${stage}: expected a tag value (letters, digits, spaces and _.:/=+-@, at most 256 characters)`);
  const ownerTeam = text('ownerTeam');
  if (ownerTeam !== undefined && !config.teams.some((t) => t.id === ownerTeam)) {
    problems.push(`-c ownerTeam=${ownerTeam}: expected the id of a team in the config (${config.teams.map((t) => t.id).join(', ')}), so that costline's own spend is allocated to it`);
  }
  const workloadAccount = text('workloadAccount');
  if (workloadAccount !== undefined && !/^\d{12}$/.test(workloadAccount)) problems.push(`-c workloadAccount=${workloadAccount}: expected a 12-digit AWS account id`);
  const createExport = text('createExport') ?? 'true';
  if (createExport !== 'true' && createExport !== 'false') problems.push(`-c createExport=${createExport}: expected true (create the billing export) or false (adopt sources.aws.dataExports as it is)`);
  if (problems.length > 0) throw new ConfigError(`invalid context:\n  - ${problems.join('\n  - ')}`, problems);
  return { stackName, stage, ...(ownerTeam ? { ownerTeam } : {}), ...(workloadAccount ? { workloadAccount } : {}), createExport: createExport === 'true' };
}

/**
 * Builds the costline app: reads and validates the config and the `-c` settings (throws `ConfigError`), adds the
 * costline stack and the payer-access stack (deployed in the management account, only when `sources.aws.roleArn`
 * is used, or holding the CUR 2.0 export in data-exports mode; left out of the app when it would hold nothing, in
 * data-exports mode without a role and with `-c createExport=false`), tags every resource of both, and attaches the cdk-nag AWS Solutions checks, so findings fail synthesis.
 */
export function buildCostlineApp(app: App = new App(), env: NodeJS.ProcessEnv = process.env): { app: App; stack: CostlineStack; payerAccess: PayerAccessStack; settings: DeploySettings } {
  const configFile = configPathFor(app, env);
  const config = loadConfigFile(configFile);
  const settings = deploySettings(app, config);
  const stack = new CostlineStack(app, settings.stackName, {
    config,
    configFile,
    description: `costline (${settings.stage}): AWS and model-provider billing ingest, per-team chargeback and budget alerts`,
  });
  const location = dataExportsLocation(config);
  const dataExports = location && { location, create: settings.createExport, readRole: config.sources.aws.roleArn !== undefined };
  const payerAccess = new PayerAccessStack(app, `${settings.stackName}PayerAccess`, {
    workloadStackName: settings.stackName,
    // AWS::BCMDataExports::Export exists in us-east-1 only: the template that creates it deploys there.
    ...(dataExports ? { dataExports } : {}),
    ...(dataExports?.create ? { env: { region: DATA_EXPORTS_REGION } } : {}),
    ...(config.sources.aws.externalId ? { defaultExternalId: config.sources.aws.externalId } : {}),
    ...(settings.workloadAccount ? { defaultWorkloadAccount: settings.workloadAccount } : {}),
    description: dataExports
      ? `costline (${settings.stage}): ${[dataExports.create ? 'CUR 2.0 billing export and its bucket' : '', dataExports.readRole ? 'read-only role' : ''].filter(Boolean).join(', and ')} for the ${settings.stackName} stack, to deploy in the management (payer) account`
      : `costline (${settings.stage}): read-only billing role for the ${settings.stackName} stack, to deploy in the management (payer) account`,
    // Deployed with the deployer's own credentials: the management account need not be CDK-bootstrapped
    // (no bootstrap roles or asset bucket there), and the template has no assets to upload.
    synthesizer: new CliCredentialsStackSynthesizer(),
  });
  // Data-exports mode with neither a payer role nor an export to create: the payer account needs nothing from
  // costline, and CloudFormation refuses a template without resources, so the stack is left out of the app.
  const payerNeeded = !dataExports || dataExports.create || dataExports.readRole;
  if (!payerNeeded) app.node.tryRemoveChild(payerAccess.node.id);
  for (const s of [stack, payerAccess]) {
    Tags.of(s).add(STAGE_TAG, settings.stage);
    if (settings.ownerTeam) Tags.of(s).add(config.allocation.awsTagKey, settings.ownerTeam);
  }
  for (const warning of configWarnings(config)) Annotations.of(stack).addWarningV2('costline:config', `${configFile}: ${warning}`);
  const expectedRole = `${settings.stackName}-cost-read`;
  const roleArn = config.sources.aws.roleArn;
  if (roleArn && !roleArn.endsWith(`:role/${expectedRole}`)) {
    Annotations.of(stack).addWarningV2('costline:roleArn', `${configFile}: sources.aws.roleArn names ${roleArn}; the ${payerAccess.stackName} stack creates role/${expectedRole}`);
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, payerAccess, settings };
}
