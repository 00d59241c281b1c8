/**
 * Miners' JSON is often not JSON. These repairs cover what recorded answers show (see
 * ../../shared/research/asic.md §5.1): the NUL terminator, `}{` joins, trailing commas, bare
 * nan/inf, `\'` escapes, newlines inside strings, a stray tail after the object, a reply cut short.
 * Duplicate keys are legal for JSON.parse (the last one wins), which is what the firmwares mean.
 */
export class MalformedReply extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedReply';
  }
}

function tryParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Outside string literals, replace what `fn` returns for each stretch of non-string text. */
function outsideStrings(text: string, fn: (chunk: string) => string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const q = text.indexOf('"', i);
    if (q < 0) {
      out += fn(text.slice(i));
      break;
    }
    out += fn(text.slice(i, q));
    let j = q + 1;
    while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
    out += text.slice(q, j + 1);
    i = j + 1;
  }
  return out;
}

export function repairJson(raw: string): string {
  let t = raw.replace(/\0+$/, '').trim();
  // Control characters (newlines inside values) are not allowed in JSON strings.
  t = t.replace(/[\r\n\t]+/g, ' ');
  t = t.replace(/\\'/g, "'");
  if (t.startsWith(',')) t = `{${t.slice(1)}`;
  t = outsideStrings(t, (c) =>
    c
      .replace(/}\s*{/g, '},{')
      .replace(/,\s*([}\]])/g, '$1')
      .replace(/\[\s*,/g, '[')
      .replace(/-?\b(?:nan|inf(?:inity)?)\b/gi, '0'),
  );
  t = t.replace(/""(temp\d)/g, '","$1').replace(/"(?:nan|inf|-inf)"/gi, '0');
  return t;
}

/** Closes whatever brackets are still open (a reply cut by a full send buffer). */
function closeOpen(t: string): string {
  const stack: string[] = [];
  let inStr = false;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === '{') stack.push('}');
    else if (c === '[') stack.push(']');
    else if (c === '}' || c === ']') stack.pop();
  }
  let body = t;
  if (inStr) body += '"';
  body = body.replace(/,\s*"[^"]*"?\s*:?\s*$/, '').replace(/[,:]\s*$/, '');
  return body + stack.reverse().join('');
}

/**
 * Parses a miner's reply. Strict JSON first (most replies), then the repaired text, then the
 * longest balanced prefix (a stray `"}` after the object), then a truncated reply closed up.
 */
export function parseLooseJson(raw: string): unknown {
  const strict = tryParse(raw.replace(/\0+$/, ''));
  if (strict.ok) return strict.value;
  const fixed = repairJson(raw);
  const a = tryParse(fixed);
  if (a.ok) return a.value;
  const end = balancedEnd(fixed);
  if (end > 0) {
    const b = tryParse(fixed.slice(0, end));
    if (b.ok) return b.value;
  }
  if (fixed.startsWith('{') || fixed.startsWith('[')) {
    const c = tryParse(closeOpen(fixed));
    if (c.ok) return c.value;
  }
  throw new MalformedReply(
    `reply is not JSON (${raw.length} bytes, starts ${JSON.stringify(raw.slice(0, 40))})`,
  );
}

/** Index just after the first top-level value's closing bracket, or -1. */
function balancedEnd(t: string): number {
  let depth = 0;
  let inStr = false;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}
