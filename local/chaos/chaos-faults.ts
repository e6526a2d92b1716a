import { FAULT_KINDS, type Fault, type FaultKind } from '../emulators/fault-proxy';

/** A fault as chaos names it: the proxy's kinds, and a well-formed answer with every list emptied. */
export type ChaosFault = FaultKind | 'empty-lists';
export const CHAOS_FAULTS: readonly ChaosFault[] = [...FAULT_KINDS, 'empty-lists'];

/** The proxy fault for a chaos fault name (a 429 asks for 900 s, past any run's deadline). */
export function chaosFault(kind: ChaosFault): Fault {
  switch (kind) {
    case 'http-429':
      return { kind, retryAfterSeconds: 900 };
    case 'empty-lists':
      return { kind: 'wrong-shape', reshape: emptyLists };
    case 'http-500':
    case 'http-401':
    case 'reset':
    case 'truncated-body':
    case 'wrong-shape':
    case 'stall-headers':
    case 'stall-body':
      return { kind };
  }
}

/** Every array emptied, everything else kept: a page that parses and says "nothing". */
function emptyLists(value: unknown): unknown {
  if (Array.isArray(value)) return [];
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, emptyLists(v)]));
  return value;
}
