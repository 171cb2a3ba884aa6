import { FilterSyntaxError } from './syntax-error.js';

export type TokenType = 'ident' | 'number' | 'string' | 'op' | 'lparen' | 'rparen' | 'comma' | 'dot' | 'end';

export interface Token {
  type: TokenType;
  /** identifier name, operator, or the decoded string / number text */
  text: string;
  /** 1-based column of the token's first character */
  column: number;
}

const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '`': '`' };

function readQuoted(input: string, start: number): { value: string; end: number } {
  const quote = input[start] as string;
  let value = '';
  let i = start + 1;
  while (i < input.length) {
    const ch = input[i] as string;
    if (ch === '\\') {
      const next = input[i + 1];
      if (next === undefined) break;
      const decoded = escapes[next];
      if (decoded === undefined) throw new FilterSyntaxError(input, i + 1, `unknown escape \\${next} (use \\\\, \\${quote}, \\n or \\t)`);
      value += decoded;
      i += 2;
    } else if (ch === quote) {
      return { value, end: i + 1 };
    } else {
      value += ch;
      i += 1;
    }
  }
  throw new FilterSyntaxError(input, start + 1, `unterminated string: add the closing ${quote}`);
}

/** Splits a filter into tokens; any character outside the grammar is an error at its column. */
export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] as string;
    const column = i + 1;
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === '(' || ch === ')' || ch === ',' || ch === '.') {
      const type = ch === '(' ? 'lparen' : ch === ')' ? 'rparen' : ch === ',' ? 'comma' : 'dot';
      tokens.push({ type, text: ch, column });
      i += 1;
    } else if (ch === "'" || ch === '"') {
      const { value, end } = readQuoted(input, i);
      tokens.push({ type: 'string', text: value, column });
      i = end;
    } else if (ch === '`') {
      const { value, end } = readQuoted(input, i);
      tokens.push({ type: 'ident', text: value, column });
      i = end;
    } else if ('=!<>~'.includes(ch)) {
      const two = input.slice(i, i + 2);
      const op = ['!=', '<=', '>=', '<>', '=='].includes(two) ? two : ch;
      if (op === '!') throw new FilterSyntaxError(input, column, "unknown operator '!' (use != or not)");
      tokens.push({ type: 'op', text: op === '<>' ? '!=' : op === '==' ? '=' : op, column });
      i += op.length;
    } else {
      const number = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?/i.exec(input.slice(i));
      const word = /^[A-Za-z_][A-Za-z0-9_\-/:]*/.exec(input.slice(i));
      if (number && !(word && /^[A-Za-z_]/.test(ch))) {
        tokens.push({ type: 'number', text: number[0], column });
        i += number[0].length;
      } else if (word) {
        tokens.push({ type: 'ident', text: word[0], column });
        i += word[0].length;
      } else {
        throw new FilterSyntaxError(input, column, `unexpected character '${ch}'`);
      }
    }
  }
  tokens.push({ type: 'end', text: '', column: input.length + 1 });
  return tokens;
}
