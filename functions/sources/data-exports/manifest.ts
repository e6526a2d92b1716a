/**
 * Where a CUR 2.0 export lives in S3 and what its manifest lists (billing-apis-2026.md §A7.5): data files under
 * `<prefix>/<exportName>/data/BILLING_PERIOD=YYYY-MM/`, the manifest at
 * `<prefix>/<exportName>/metadata/BILLING_PERIOD=YYYY-MM/<exportName>-Manifest.json`, written only once every
 * data file is in place (the commit marker). AWS documents what the manifest holds but not its key names, so
 * the reader is tolerant: it takes the files from `dataFiles`, `reportKeys` or `files`, each entry an
 * `s3://bucket/key` URI, a bare key, or an object with `key`, `path` or `s3Uri`.
 */

/** Where the export is delivered (`sources.aws.dataExports`). */
export interface ExportLocation {
  bucket: string;
  /** `S3Prefix`, without leading or trailing slash; may be empty. */
  prefix: string;
  exportName: string;
}

/** The manifest is there but says nothing costline can read. */
export class MalformedManifestError extends Error {
  override readonly name = 'MalformedManifestError';
}

function base(location: ExportLocation): string {
  return location.prefix === '' ? location.exportName : `${location.prefix}/${location.exportName}`;
}

/** The manifest's key for billing period `month` (`YYYY-MM`). */
export function manifestKey(location: ExportLocation, month: string): string {
  return `${base(location)}/metadata/BILLING_PERIOD=${month}/${location.exportName}-Manifest.json`;
}

/** The key prefix of the period's data files. */
export function dataPrefix(location: ExportLocation, month: string): string {
  return `${base(location)}/data/BILLING_PERIOD=${month}/`;
}

/** What costline reads from a manifest: the data files as bucket keys, and the execution, when given. */
export interface Manifest {
  files: { bucket: string; key: string }[];
  executionId: string | null;
  exportTime: string | null;
}

const LIST_FIELDS = ['dataFiles', 'reportKeys', 'files'] as const;

/**
 * Parses a manifest's text.
 * @param where the manifest's `s3://` address, for errors
 * @throws MalformedManifestError naming the manifest when it is not JSON or lists no data file
 */
export function parseManifest(body: string, location: ExportLocation, where: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new MalformedManifestError(`${where}: not JSON (${(error as Error).message})`, { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new MalformedManifestError(`${where}: expected a JSON object`);
  const doc = json as Record<string, unknown>;
  const field = LIST_FIELDS.find((f) => Array.isArray(doc[f]) && (doc[f] as unknown[]).length > 0);
  if (!field) throw new MalformedManifestError(`${where}: lists no data file (expected a non-empty ${LIST_FIELDS.join(', ')} array)`);
  const files = (doc[field] as unknown[]).map((entry, i) => fileOf(entry, location, `${where}: ${field}[${i}]`));
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  return { files, executionId: str(doc.executionId), exportTime: str(doc.exportTime) };
}

function fileOf(entry: unknown, location: ExportLocation, at: string): { bucket: string; key: string } {
  let value: unknown = entry;
  if (typeof entry === 'object' && entry !== null) {
    const e = entry as Record<string, unknown>;
    value = e.s3Uri ?? e.key ?? e.path;
  }
  if (typeof value !== 'string' || value.trim() === '') throw new MalformedManifestError(`${at}: expected an s3:// URI, a key, or { key | path | s3Uri }`);
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(value);
  if (match) return { bucket: match[1]!, key: match[2]! };
  if (value.startsWith('s3://')) throw new MalformedManifestError(`${at}: "${value}" names no object`);
  return { bucket: location.bucket, key: value.replace(/^\/+/, '') };
}
