import { parquetMetadata, parquetRead, parquetSchema, type FileMetaData } from 'hyparquet';
import { checkColumns, MalformedExportError } from './cur-columns';
import type { CurRow } from './cur-mapper';
import type { Where } from './cur-values';

/**
 * Reads a CUR 2.0 Parquet file's line items with hyparquet, one row group at a time: the decoded columns of one
 * group are handed to `onRow` row by row and dropped before the next group is decoded, so a month of millions of line
 * items never sits in memory as rows (the file's compressed bytes do; AWS splits an export into files).
 * Only the columns costline reads are decoded. Snappy, the codec of AWS's Parquet exports, is built into hyparquet.
 * @param file the object's key, for errors
 * @throws MalformedExportError naming the file (and column) when it does not parse or lacks a column
 */
export async function readLineItems(bytes: Uint8Array, file: string, onRow: (row: CurRow, at: Where) => void): Promise<number> {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(buffer);
  } catch (error) {
    throw new MalformedExportError(`${file}: not a readable Parquet file (${(error as Error).message})`, { cause: error });
  }
  const columns = checkColumns(
    parquetSchema(metadata).children.map((c) => c.element),
    file,
  );
  let rowStart = 0;
  for (const [index, group] of metadata.row_groups.entries()) {
    const rowEnd = rowStart + Number(group.num_rows);
    const size = rowEnd - rowStart;
    // The group's columns as hyparquet decodes them, one array each: no object per row is built.
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
      throw new MalformedExportError(`${file}: row group ${index + 1} does not parse (${(error as Error).message})`, { cause: error });
    }
    // One row object, refilled for each row (the mapper keeps values, never the row); one `where`, its row number
    // moved along, so an error's message is made only when it is thrown.
    const row: Record<string, unknown> = {};
    const arrays = [...data];
    const where = { row: 0, toString: () => `${file}, row ${where.row}` };
    for (let i = 0; i < size; i++) {
      for (const [name, values] of arrays) row[name] = values[i];
      where.row = rowStart + i + 1;
      onRow(row as CurRow, where);
    }
    rowStart = rowEnd;
  }
  return rowStart;
}
