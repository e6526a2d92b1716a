import { readParquetRows, type Where } from '../shared/parquet-rows';
import { checkColumns, MalformedExportError } from './cur-columns';
import type { CurRow } from './cur-mapper';

/**
 * Reads a CUR 2.0 Parquet file's line items (see `readParquetRows`: one row group at a time, only the columns
 * costline reads; AWS splits an export into files).
 * @param file the object's key, for errors
 * @throws MalformedExportError naming the file (and column) when it does not parse or lacks a column
 */
export function readLineItems(bytes: Uint8Array, file: string, onRow: (row: CurRow, at: Where) => void): Promise<number> {
  return readParquetRows(
    bytes,
    file,
    { columns: (topLevel) => checkColumns(topLevel, file), malformed: (message, cause) => new MalformedExportError(message, { cause }) },
    (row, at) => onRow(row as CurRow, at),
  );
}
