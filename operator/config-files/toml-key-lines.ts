// smol-toml returns values without positions, so key lines come from a light scan of the text:
// table headers, array-of-table headers and `key = value` lines. Values that span lines
// (multi-line strings, arrays, inline tables) only locate their key.

type Segment = string | number;

/** Splits a TOML key (`a."b.c".d`) on dots outside quotes; quotes removed. */
function splitKey(key: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const ch of key) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '.') {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  parts.push(current.trim());
  return parts;
}

/** Index of the first `=` outside quotes, -1 if none. */
function assignmentAt(line: string): number {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '=') return i;
    else if (ch === '#') return -1;
  }
  return -1;
}

const pathKey = (path: readonly Segment[]): string => path.map((s) => String(s).toLowerCase()).join('\u0000');

/** Builds a lookup from key path to 1-based line; unknown tails fall back to the deepest known prefix. */
export function tomlKeyLines(text: string): (path: readonly Segment[]) => number | undefined {
  const lines = new Map<string, number>();
  const arrayCounts = new Map<string, number>();
  const record = (path: readonly Segment[], line: number): void => {
    for (let n = 1; n <= path.length; n++) {
      const key = pathKey(path.slice(0, n));
      if (!lines.has(key)) lines.set(key, line);
    }
  };
  let table: Segment[] = [];
  let inMultiline: string | undefined;
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const lineNo = index + 1;
    const line = rawLine.trim();
    if (inMultiline !== undefined) {
      if (line.includes(inMultiline)) inMultiline = undefined;
      return;
    }
    if (line === '' || line.startsWith('#')) return;
    const arrayHeader = /^\[\[(.+?)\]\]/.exec(line);
    const header = arrayHeader ?? /^\[(.+?)\]/.exec(line);
    if (header) {
      const path: Segment[] = splitKey(header[1] as string);
      if (arrayHeader) {
        const key = pathKey(path);
        const count = arrayCounts.get(key) ?? 0;
        arrayCounts.set(key, count + 1);
        record(path, lineNo);
        path.push(count);
      }
      table = path;
      record(table, lineNo);
      return;
    }
    const eq = assignmentAt(line);
    if (eq <= 0) return;
    record([...table, ...splitKey(line.slice(0, eq))], lineNo);
    const value = line.slice(eq + 1);
    for (const delimiter of ['"""', "'''"]) {
      if (value.split(delimiter).length === 2) inMultiline = delimiter; // opened, not closed on this line
    }
  });
  return (path) => {
    for (let n = path.length; n > 0; n--) {
      const line = lines.get(pathKey(path.slice(0, n)));
      if (line !== undefined) return line;
    }
    return undefined;
  };
}
