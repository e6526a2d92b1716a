import { parquetMetadata, parquetRead, parquetSchema, type FileMetaData, type SchemaElement } from 'hyparquet';

/**
 * Where a row came from, for errors: `<file>, row <n>`. Anything whose text is that, so that a reader can pass one
 * object per file and count rows in it rather than build a string per row that no error needs.
 */
export type Where = { toString(): string };

/** How a Parquet reader picks its columns and names its errors. */
export interface ParquetRowsOptions {
  /** Checks the file's top-level columns (in file order) and returns the ones to decode; throws to refuse the file. */
  columns: (topLevel: SchemaElement[]) => string[];
  /** The error to throw for a file or row group that does not parse. */
  malformed: (message: string, cause: unknown) => Error;
}

/**
 * Reads a Parquet file's rows with hyparquet, one row group at a time: the decoded columns of one group are handed
 * to `onRow` row by row, in one reused row object, and dropped before the next group is decoded, so a file of millions of rows never sits in memory as
 * rows (its compressed bytes do). Only the columns picked are decoded. Snappy, the codec of the billing exports,
 * is built into hyparquet.
 * @param file the object's address, for errors (`<file>: ...`, rows as `<file>, row <n>`)
 * @returns how many rows the file has
 */
export async function readParquetRows(bytes: Uint8Array, file: string, options: ParquetRowsOptions, onRow: (row: Record<string, unknown>, at: Where) => void): Promise<number> {
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
    const size = rowEnd - rowStart;
    // The group's columns as hyparquet decodes them, one array each: no object per row is assembled.
    const data = new Map<string, unknown[]>(columns.map((c) => [c, new Array<unknown>(size)]));
    const first = rowStart;
    try {
      await parquetRead({
        file: buffer,
        metadata,
        columns,
        rowStart,
        rowEnd,
        onChunk: ({ columnName, columnData, rowStart: chunkStart }) => {
          const target = data.get(columnName);
          if (!target) return;
          const from = Math.max(0, first - chunkStart);
          const to = Math.min(columnData.length, rowEnd - chunkStart);
          for (let k = from; k < to; k++) target[chunkStart - first + k] = columnData[k];
        },
      });
    } catch (error) {
      throw options.malformed(`${file}: row group ${index + 1} does not parse (${(error as Error).message})`, error);
    }
    // One row object, refilled for each row (readers keep values, never the row); one `where`, its row number
    // moved along, so a location's text is made only when an error needs it.
    const row: Record<string, unknown> = {};
    const arrays = [...data];
    const where = { row: 0, toString: () => `${file}, row ${where.row}` };
    for (let i = 0; i < size; i++) {
      for (const [name, values] of arrays) row[name] = values[i];
      where.row = rowStart + i + 1;
      onRow(row, where);
    }
    rowStart = rowEnd;
  }
  return rowStart;
}
