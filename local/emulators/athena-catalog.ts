import { GLUE_COLUMNS, type AthenaTarget } from '../../functions/sources/data-exports/athena/glue-table';
import type { ExportLocation } from '../../functions/sources/data-exports/manifest';
import type { GlueTableDefinition } from './athena-engine';

/** The Glue table the stack creates over an export (`<prefix>/<exportName>/data/`), for the local Athena server. */
export function exportGlueTable(location: ExportLocation, target: AthenaTarget): GlueTableDefinition {
  const root = location.prefix === '' ? location.exportName : `${location.prefix}/${location.exportName}`;
  return { database: target.database, table: target.table, columns: GLUE_COLUMNS, bucket: location.bucket, prefix: `${root}/data/` };
}
