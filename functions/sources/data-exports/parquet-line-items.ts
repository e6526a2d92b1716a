import { parquetMetadata, parquetRead, parquetSchema, type FileMetaData } from 'hyparquet';
import { checkColumns, MalformedExportError } from './cur-columns';
import type { CurRow } from './cur-mapper';

/**
 * Reads a CUR 2.0 Parquet file's line items with hyparquet, one row group at a time: the decoded rows of one
 * group are handed to `onRow` and dropped before the next group is decoded, so a month of millions of line
 * items never sits in memory as rows (the file's compressed bytes do; AWS splits an export into files).
 * Only the columns costline reads are decoded. Snappy, the codec of AWS's Parquet exports, is built into hyparquet.
 * @param file the object's key, for errors
 * @throws MalformedExportError naming the file (and column) when it does not parse or lacks a column
 */
export async function readLineItems(bytes: Uint8Array, file: string, onRow: (row: CurRow, at: string) => void): Promise<number> {
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
    let rows: CurRow[] = [];
    try {
      await parquetRead({ file: buffer, metadata, columns, rowStart, rowEnd, rowFormat: 'object', onComplete: (r) => (rows = r as CurRow[]) });
    } catch (error) {
      throw new MalformedExportError(`${file}: row group ${index + 1} does not parse (${(error as Error).message})`, { cause: error });
    }
    rows.forEach((row, i) => onRow(row, `${file}, row ${rowStart + i + 1}`));
    rowStart = rowEnd;
  }
  return rowStart;
}
