import { filterWordPattern } from '@leakproof/core';
import { FilterSyntaxError } from './syntax-error.js';

export type TokenType = 'ident' | 'quoted-ident' | 'number' | 'string' | 'op' | 'lparen' | 'rparen' | 'comma' | 'dot' | 'end';

export interface Token {
  type: TokenType;
  /** identifier name, operator, or the decoded string / number text */
  text: string;
  /** 1-based column of the token's first character, in code points */
  column: number;
}

const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '`': '`' };
const numberRe = /[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?/iy;
const wordRe = new RegExp(filterWordPattern, 'y');
/** tokens after which a value (so `.5` is a number, not a dot) comes next */
const beforeValue: ReadonlySet<TokenType> = new Set(['op', 'lparen', 'comma']);

/**
 * columns[i] is the 1-based code-point column of UTF-16 index i: error columns count characters, so a
 * filter with an emoji or a CJK key points at the right place.
 */
function codePointColumns(input: string): Int32Array {
  const columns = new Int32Array(input.length + 1);
  let column = 1;
  for (let i = 0; i < input.length; i++) {
    columns[i] = column;
    const code = input.charCodeAt(i);
    const lowSurrogateFollows = code >= 0xd800 && code <= 0xdbff && i + 1 < input.length;
    if (lowSurrogateFollows) columns[++i] = column;
    column += 1;
  }
  columns[input.length] = column;
  return columns;
}

/** Splits a filter into tokens; any character outside the grammar is an error at its column. */
export function tokenize(input: string): Token[] {
  const columns = codePointColumns(input);
  const fail = (at: number, reason: string): never => {
    throw new FilterSyntaxError(input, columns[at] as number, reason);
  };

  function readQuoted(start: number): { value: string; end: number } {
    const quote = input[start] as string;
    const parts: string[] = [];
    let i = start + 1;
    while (i < input.length) {
      const ch = input[i] as string;
      if (ch === '\\') {
        const next = input[i + 1];
        if (next === undefined) break;
        const decoded = escapes[next];
        if (decoded === undefined) fail(i, `unknown escape \\${next} (use \\\\, \\${quote}, \\n or \\t)`);
        parts.push(decoded as string);
        i += 2;
      } else if (ch === quote) {
        return { value: parts.join(''), end: i + 1 };
      } else {
        // PostgreSQL text cannot hold NUL; say so here instead of failing inside the database
        if (ch === '\0') fail(i, 'a NUL character cannot appear in a filter');
        parts.push(ch);
        i += 1;
      }
    }
    return fail(start, `unterminated string: add the closing ${quote}`);
  }

  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] as string;
    const column = columns[i] as number;
    const previous = tokens[tokens.length - 1]?.type;
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === '.' && /\d/.test(input[i + 1] ?? '') && (previous === undefined || beforeValue.has(previous))) {
      numberRe.lastIndex = i;
      const text = (numberRe.exec(input) as RegExpExecArray)[0];
      tokens.push({ type: 'number', text, column });
      i += text.length;
    } else if (ch === '(' || ch === ')' || ch === ',' || ch === '.') {
      const type = ch === '(' ? 'lparen' : ch === ')' ? 'rparen' : ch === ',' ? 'comma' : 'dot';
      tokens.push({ type, text: ch, column });
      i += 1;
    } else if (ch === "'" || ch === '"') {
      const { value, end } = readQuoted(i);
      // a double-quoted name after a dot is a key (MLflow: metrics."val loss"); anywhere else it is a string
      tokens.push({ type: ch === '"' && previous === 'dot' ? 'quoted-ident' : 'string', text: value, column });
      i = end;
    } else if (ch === '`') {
      const { value, end } = readQuoted(i);
      tokens.push({ type: 'quoted-ident', text: value, column });
      i = end;
    } else if ('=!<>~'.includes(ch)) {
      const two = input.slice(i, i + 2);
      const op = ['!=', '<=', '>=', '<>', '=='].includes(two) ? two : ch;
      if (op === '!') fail(i, "unknown operator '!' (use != or not)");
      tokens.push({ type: 'op', text: op === '<>' ? '!=' : op === '==' ? '=' : op, column });
      i += op.length;
    } else {
      numberRe.lastIndex = i;
      wordRe.lastIndex = i;
      const number = /[A-Za-z_]/.test(ch) ? null : numberRe.exec(input);
      const word = number ? null : wordRe.exec(input);
      if (number) {
        tokens.push({ type: 'number', text: number[0], column });
        i += number[0].length;
      } else if (word) {
        tokens.push({ type: 'ident', text: word[0], column });
        i += word[0].length;
      } else {
        const shown = String.fromCodePoint(input.codePointAt(i) as number);
        fail(i, ch === '\0' ? 'a NUL character cannot appear in a filter' : `unexpected character '${shown}'`);
      }
    }
  }
  tokens.push({ type: 'end', text: '', column: columns[input.length] as number });
  return tokens;
}
