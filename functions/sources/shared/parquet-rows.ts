import { parquetMetadata, parquetRead, parquetSchema, type FileMetaData, type SchemaElement } from 'hyparquet';

/** How a Parquet reader picks its columns and names its errors. */
export interface ParquetRowsOptions {
  /** Checks the file's top-level columns (in file order) and returns the ones to decode; throws to refuse the file. */
  columns: (topLevel: SchemaElement[]) => string[];
  /** The error to throw for a file or row group that does not parse. */
  malformed: (message: string, cause: unknown) => Error;
}

/**
 * Reads a Parquet file's rows with hyparquet, one row group at a time: the decoded rows of one group are handed
 * to `onRow` and dropped before the next group is decoded, so a file of millions of rows never sits in memory as
 * rows (its compressed bytes do). Only the columns picked are decoded. Snappy, the codec of the billing exports,
 * is built into hyparquet.
 * @param file the object's address, for errors (`<file>: ...`, rows as `<file>, row <n>`)
 * @returns how many rows the file has
 */
export async function readParquetRows(bytes: Uint8Array, file: string, options: ParquetRowsOptions, onRow: (row: Record<string, unknown>, at: string) => void): Promise<number> {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(buffer);
  } catch (error) {
    throw options.malformed(`${file}: not a readable Parquet file (${(error as Error).message})`, error);
  }
  const columns = options.columns(parquetSchema(metadata).children.map((c) => c.element));
  let rowStart = 0;
  for (const [index, group] of metadata.row_groups.entries()) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[] = [];
    try {
      await parquetRead({ file: buffer, metadata, columns, rowStart, rowEnd, rowFormat: 'object', onComplete: (r) => (rows = r as Record<string, unknown>[]) });
    } catch (error) {
      throw options.malformed(`${file}: row group ${index + 1} does not parse (${(error as Error).message})`, error);
    }
    rows.forEach((row, i) => onRow(row, `${file}, row ${rowStart + i + 1}`));
    rowStart = rowEnd;
  }
  return rowStart;
}
