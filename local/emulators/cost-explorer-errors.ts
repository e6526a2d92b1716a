/** A Cost Explorer error, sent as HTTP 400 `{"__type": "com.amazonaws.costexplorer#<name>", "message": ...}`. */
export class CostExplorerApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** A `ValidationException`. */
export const validation = (message: string) => new CostExplorerApiError('ValidationException', message);
