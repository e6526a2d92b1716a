import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse';
import type { FocusFormat } from '../../config/sources-schema';
import { readParquetRows } from '../shared/parquet-rows';
import { layoutOf, MalformedFocusFileError, READ_COLUMNS, type FocusLayout } from './focus-columns';

/** One FOCUS row as read: column name to value (a CSV cell's text; a Parquet value: string, number, Date, map). */
export type FocusRow = Partial<Record<string, unknown>>;

/** The format of a file from its key (`.csv`, `.csv.gz`, `.parquet`, `.snappy.parquet`), or undefined when it is neither. */
export function formatOfKey(key: string): FocusFormat | undefined {
  const name = key.toLowerCase();
  if (name.endsWith('.csv') || name.endsWith('.csv.gz')) return 'csv';
  if (name.endsWith('.parquet')) return 'parquet';
  return undefined;
}

/**
 * Reads a FOCUS file's rows: detects its version from its columns (`layoutOf`, which refuses the file before a
 * row is read), then hands each row to `onRow` with the file's layout. A `.gz` key is gunzipped first (Azure's exports may compress
 * CSV). CSV is read record by record from a stream, not parsed whole into memory; Parquet a row group at a time.
 * @param file the object's `s3://` address, for errors
 * @throws MalformedFocusFileError naming the file (and row) when it does not parse, or its version or columns are not ones costline reads
 */
export async function readFocusFile(bytes: Uint8Array, file: string, format: FocusFormat, onRow: (row: FocusRow, at: string, layout: FocusLayout) => void): Promise<FocusLayout> {
  let data = bytes;
  if (file.toLowerCase().endsWith('.gz')) {
    try {
      data = gunzipSync(bytes);
    } catch (error) {
      throw new MalformedFocusFileError(`${file}: not a readable gzip file (${(error as Error).message})`, { cause: error });
    }
  }
  return format === 'csv' ? readCsv(data, file, onRow) : readParquet(data, file, onRow);
}

async function readCsv(bytes: Uint8Array, file: string, onRow: (row: FocusRow, at: string, layout: FocusLayout) => void): Promise<FocusLayout> {
  let layout: FocusLayout | undefined;
  let header: string[] = [];
  let line = 0;
  const records = Readable.from([Buffer.from(bytes)]).pipe(parse({ bom: true, relax_column_count: false, skip_empty_lines: true }));
  try {
    for await (const record of records as AsyncIterable<string[]>) {
      line += 1;
      if (!layout) {
        header = record.map((c) => c.trim());
        layout = layoutOf(header, file);
        continue;
      }
      const row: FocusRow = {};
      header.forEach((name, i) => {
        const cell = record[i]!;
        row[name] = cell === '' ? null : cell;
      });
      onRow(row, `${file}, row ${line - 1}`, layout);
    }
  } catch (error) {
    if (error instanceof MalformedFocusFileError) throw error;
    // csv-parse names the line it stopped at (a quote left open, a row with more or fewer fields than the header).
    throw new MalformedFocusFileError(`${file}: not a readable CSV file (${(error as Error).message})`, { cause: error });
  }
  if (!layout) throw new MalformedFocusFileError(`${file}: empty, expected a header row of FOCUS columns`);
  return layout;
}

async function readParquet(bytes: Uint8Array, file: string, onRow: (row: FocusRow, at: string, layout: FocusLayout) => void): Promise<FocusLayout> {
  let layout: FocusLayout | undefined;
  const wanted = new Set<string>(READ_COLUMNS);
  await readParquetRows(
    bytes,
    file,
    {
      columns: (topLevel) => {
        const names = topLevel.map((e) => e.name);
        layout = layoutOf(names, file);
        return names.filter((n) => wanted.has(n));
      },
      malformed: (message, cause) => new MalformedFocusFileError(message, { cause }),
    },
    // The FOCUS mapper reads a location's text only for an error; the row object is reused between rows.
    (row, at) => onRow(row, String(at), layout!),
  );
  return layout!;
}
