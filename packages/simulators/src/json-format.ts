/**
 * Writes live answers in the layout of the fixture they are shaped after (indent, `": "` or `":"`,
 * arrays of numbers on one line as rapidjson's pretty writer does), so a simulated answer looks like
 * the program's own, not like JSON.stringify's.
 */
export interface JsonStyle {
  /** One level of indentation; empty for single-line answers. */
  indent: string;
  colon: string;
  /** Separator inside single-line arrays (`", "` in XMRig, `","` in compact answers). */
  inlineComma: string;
  /** Arrays of numbers/strings kept on one line even in multi-line answers. */
  inlineScalarArrays: boolean;
  /** What follows the closing bracket (a newline or nothing), as in the fixture. */
  trailing: string;
  /** "\r\n" where the program (NBMiner on Windows-built docs) writes CRLF. */
  newline: string;
}

export function detectStyle(text: string): JsonStyle {
  const indent = /\r?\n([ \t]+)["{[\]}]/.exec(text)?.[1] ?? '';
  const colon = /"\s*:\s/.test(text) ? ': ' : ':';
  const inlineArray = /\[(?:[^\n[\]{}]*,)?[^\n[\]{}]*\]/.exec(text.replace(/"(?:[^"\\]|\\.)*"/g, '""'));
  const inlineScalarArrays = indent === '' || (inlineArray !== null && inlineArray[0] !== '[]');
  const inlineComma = inlineArray && /,\s/.test(inlineArray[0]) ? ', ' : indent ? ', ' : ',';
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  return { indent, colon, inlineComma, inlineScalarArrays, trailing: /\s*$/.exec(text)?.[0] ?? '', newline };
}

/** Single-line JSON without spaces, as sgminer-style APIs write it. */
export const compactStyle: JsonStyle = {
  indent: '',
  colon: ':',
  inlineComma: ',',
  inlineScalarArrays: true,
  trailing: '',
  newline: '\n',
};

const isScalar = (v: unknown) => v === null || typeof v !== 'object';

export function formatJson(value: unknown, style: JsonStyle): string {
  const out = write(value, style, '');
  return out + style.trailing;
}

function write(v: unknown, s: JsonStyle, pad: string): string {
  if (v === undefined) return 'null';
  if (isScalar(v)) return JSON.stringify(typeof v === 'number' && !Number.isFinite(v) ? null : v);
  const inner = pad + s.indent;
  const nl = s.indent ? s.newline : '';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    if (!s.indent || (s.inlineScalarArrays && v.every(isScalar))) {
      return `[${v.map((x) => write(x, s, pad)).join(s.inlineComma)}]`;
    }
    return `[${nl}${v.map((x) => inner + write(x, s, inner)).join(`,${nl}`)}${nl}${pad}]`;
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
  if (entries.length === 0) return '{}';
  const body = entries.map(([k, x]) => `${inner}${JSON.stringify(k)}${s.colon}${write(x, s, inner)}`);
  return `{${nl}${body.join(s.indent ? `,${nl}` : s.inlineComma)}${nl}${pad}}`;
}
