/**
 * `JSON.parse` keeps the last of two equal keys in an object and says nothing, so a config with `teams`
 * given twice silently loses the first list. This scans the text for such keys. It expects text that
 * `JSON.parse` has already accepted, so it only has to follow nesting, not to validate.
 */

/** A key given more than once in the same object. */
export interface DuplicateKey {
  /** Where the repeated key sits: `['teams', 1, 'monthlyBudget']`. */
  path: (string | number)[];
  /** Line (1-based) of the first and of the repeated occurrence. */
  firstLine: number;
  line: number;
}

type Frame =
  | { kind: 'object'; keys: Map<string, number>; key: string | undefined; expectsKey: boolean }
  | { kind: 'array'; index: number };

/**
 * Every key that appears twice (or more) in one object of a JSON text, in the order found. Keys compare
 * as `JSON.parse` compares them, after escapes are decoded (`"te\u0061ms"` is `"teams"`).
 * @param text a JSON text that `JSON.parse` accepts
 */
export function findDuplicateKeys(text: string): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  // An explicit stack rather than recursion: deep nesting cannot overflow the call stack.
  const stack: Frame[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const top = stack[stack.length - 1];
    if (c === '\n') {
      line++;
      i++;
    } else if (c === '{') {
      stack.push({ kind: 'object', keys: new Map(), key: undefined, expectsKey: true });
      i++;
    } else if (c === '[') {
      stack.push({ kind: 'array', index: 0 });
      i++;
    } else if (c === '}' || c === ']') {
      stack.pop();
      i++;
    } else if (c === ',') {
      if (top?.kind === 'array') top.index++;
      else if (top?.kind === 'object') top.expectsKey = true;
      i++;
    } else if (c === '"') {
      const end = closingQuote(text, i);
      if (top?.kind === 'object' && top.expectsKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        const firstLine = top.keys.get(key);
        if (firstLine === undefined) top.keys.set(key, line);
        else found.push({ path: [...pathOf(stack), key], firstLine, line });
        top.key = key;
        top.expectsKey = false;
      }
      i = end + 1;
    } else {
      // Whitespace, ':', numbers, true/false/null: nothing to track.
      i++;
    }
  }
  return found;
}

/** Index of the quote that closes the string opening at `start`, stepping over escapes (`\"`, `\\`). */
function closingQuote(text: string, start: number): number {
  let j = start + 1;
  while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
  return j;
}

/** The path of the innermost open object: each enclosing frame's current key or index. */
function pathOf(stack: readonly Frame[]): (string | number)[] {
  return stack.slice(0, -1).map((frame) => (frame.kind === 'array' ? frame.index : (frame.key ?? '')));
}
