import type { CostlineConfig } from '../../functions/config/config-schema';
import { DEFAULT_ATHENA } from '../../functions/lib/athena-names';

/**
 * The local Athena of a sample run with `--engine athena`: the configured workgroup and the Glue table the stack
 * would create over the sample export, answering from the local S3's objects. The server (and DuckDB, a
 * devDependency) is imported here, only when asked for, so the default run never loads it.
 */
export async function startLocalAthena(config: CostlineConfig, objects: () => Iterable<[string, { body: string | Uint8Array }]>): Promise<{ url: string; close(): Promise<void> }> {
  const [{ startAthenaServer }, { exportGlueTable }] = await Promise.all([import('../emulators/athena-server'), import('../emulators/athena-catalog')]);
  const target = { ...DEFAULT_ATHENA, ...config.sources.aws.athena };
  return startAthenaServer({ workgroups: [{ name: target.workgroup }], tables: [exportGlueTable(config.sources.aws.dataExports!, target)], objects });
}
