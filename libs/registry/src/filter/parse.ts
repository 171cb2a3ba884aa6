import {
  attributeNames,
  type Aggregate,
  type ComparisonOp,
  type FieldRef,
  type FilterNode,
  type Literal,
  type OrderTerm,
  type Scope,
} from './ast.js';
import { FilterSyntaxError } from './syntax-error.js';
import { tokenize, type Token } from './tokenize.js';

const scopes: readonly Scope[] = ['params', 'metrics', 'tags', 'attributes'];
const aggregates: readonly Aggregate[] = ['last', 'min', 'max', 'avg'];
const keywords = ['and', 'or', 'not'];

/**
 * Recursive descent over:
 *   or      := and ('or' and)*
 *   and     := not ('and' not)*
 *   not     := 'not' not | '(' or ')' | compare
 *   compare := operand op literal
 *   operand := scope '.' key ('.' key)* | aggregate '(' 'metrics' '.' key ')'
 * so NOT binds tighter than AND, and AND tighter than OR.
 */
class Parser {
  private pos = 0;
  private readonly tokens: Token[];
  constructor(private readonly input: string) {
    this.tokens = tokenize(input);
  }

  private peek(): Token {
    return this.tokens[this.pos] as Token;
  }
  private next(): Token {
    const t = this.peek();
    if (t.type !== 'end') this.pos += 1;
    return t;
  }
  private fail(token: Token, reason: string): never {
    throw new FilterSyntaxError(this.input, token.column, reason);
  }
  private isKeyword(token: Token, word: string): boolean {
    return token.type === 'ident' && token.text.toLowerCase() === word;
  }
  private describe(token: Token): string {
    if (token.type === 'end') return 'the end of the filter';
    if (token.type === 'string') return `the string '${token.text}'`;
    return `'${token.text}'`;
  }

  parseFilter(): FilterNode | undefined {
    if (this.peek().type === 'end') return undefined;
    const node = this.parseOr();
    const rest = this.peek();
    if (rest.type !== 'end') this.fail(rest, `expected 'and', 'or' or the end of the filter, found ${this.describe(rest)}`);
    return node;
  }

  parseOrderBy(): OrderTerm[] {
    const terms: OrderTerm[] = [];
    do {
      const field = this.parseOperand();
      let direction: 'asc' | 'desc' = 'asc';
      const t = this.peek();
      if (this.isKeyword(t, 'asc') || this.isKeyword(t, 'desc')) {
        direction = this.next().text.toLowerCase() as 'asc' | 'desc';
      }
      terms.push({ field, direction });
    } while (this.peek().type === 'comma' && this.next());
    const rest = this.peek();
    if (rest.type !== 'end') this.fail(rest, `expected 'asc', 'desc', ',' or the end, found ${this.describe(rest)}`);
    return terms;
  }

  private parseOr(): FilterNode {
    let left = this.parseAnd();
    while (this.isKeyword(this.peek(), 'or')) {
      this.next();
      left = { type: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): FilterNode {
    let left = this.parseNot();
    while (this.isKeyword(this.peek(), 'and')) {
      this.next();
      left = { type: 'and', left, right: this.parseNot() };
    }
    return left;
  }

  private parseNot(): FilterNode {
    const t = this.peek();
    if (this.isKeyword(t, 'not')) {
      this.next();
      return { type: 'not', operand: this.parseNot() };
    }
    if (t.type === 'lparen') {
      this.next();
      const inner = this.parseOr();
      const close = this.peek();
      if (close.type !== 'rparen') this.fail(close, `expected ')' to close the '(' at column ${t.column}, found ${this.describe(close)}`);
      this.next();
      return inner;
    }
    return this.parseCompare();
  }

  private parseCompare(): FilterNode {
    const field = this.parseOperand();
    const opToken = this.peek();
    if (opToken.type !== 'op') this.fail(opToken, `expected a comparison (= != < <= > >= ~) after the field, found ${this.describe(opToken)}`);
    this.next();
    const op = opToken.text as ComparisonOp;
    const valueToken = this.next();
    let value: Literal;
    if (valueToken.type === 'number') {
      value = { type: 'number', value: Number(valueToken.text), column: valueToken.column };
    } else if (valueToken.type === 'string') {
      value = { type: 'string', value: valueToken.text, column: valueToken.column };
    } else {
      this.fail(valueToken, `expected a number or a quoted string after '${op}', found ${this.describe(valueToken)}`);
    }
    checkTypes(this.input, field, op, value);
    return { type: 'compare', field, op, value, column: field.column };
  }

  private parseOperand(): FieldRef {
    const t = this.peek();
    if (t.type !== 'ident' || keywords.includes(t.text.toLowerCase())) {
      this.fail(t, `expected a field such as metrics.recall, params.lr, tags.note or attributes.status, found ${this.describe(t)}`);
    }
    const name = t.text.toLowerCase();
    if (aggregates.includes(name as Aggregate) && this.tokens[this.pos + 1]?.type === 'lparen') {
      this.next();
      this.next();
      const field = this.parseField();
      if (field.scope !== 'metrics') this.fail(t, `${name}() applies to metrics only, e.g. ${name}(metrics.val_recall)`);
      const close = this.peek();
      if (close.type !== 'rparen') this.fail(close, `expected ')' after ${name}(metrics.${field.path.join('.')}`);
      this.next();
      return { ...field, aggregate: name as Aggregate, column: t.column };
    }
    const field = this.parseField();
    return field.scope === 'metrics' ? { ...field, aggregate: 'last' } : field;
  }

  private parseField(): FieldRef {
    const scopeToken = this.next();
    const scope = scopeToken.text.toLowerCase() as Scope;
    if (scopeToken.type !== 'ident' || !scopes.includes(scope)) {
      this.fail(scopeToken, `unknown field ${this.describe(scopeToken)}: fields start with params., metrics., tags. or attributes.`);
    }
    const path: string[] = [];
    do {
      const dot = this.next();
      if (dot.type !== 'dot') this.fail(dot, `expected '.' and a key after '${scopeToken.text}'`);
      const key = this.next();
      if (key.type !== 'ident' && key.type !== 'number') this.fail(key, `expected a key name after '.', found ${this.describe(key)}`);
      path.push(key.text);
    } while (scope === 'params' && this.peek().type === 'dot');
    if (scope === 'attributes' && !(attributeNames as readonly string[]).includes(path[0] as string)) {
      this.fail(scopeToken, `unknown attribute '${path[0]}': use one of ${attributeNames.join(', ')}`);
    }
    return { scope, path, column: scopeToken.column };
  }
}

function checkTypes(input: string, field: FieldRef, op: ComparisonOp, value: Literal): void {
  const fail = (reason: string): never => {
    throw new FilterSyntaxError(input, value.column, reason);
  };
  const attr = field.scope === 'attributes' ? field.path[0] : undefined;
  if (field.scope === 'metrics' || attr === 'id') {
    if (value.type !== 'number') fail(`${field.scope}.${field.path[0]} is a number: compare it with a number`);
    if (op === '~') fail(`'~' matches text; ${field.scope}.${field.path[0]} is a number`);
  }
  if (value.type === 'number' && field.scope === 'tags') fail(`tags are text: quote the value, e.g. '${value.value}'`);
  if (attr === 'created') {
    if (value.type !== 'string' || Number.isNaN(Date.parse(value.value))) {
      fail("attributes.created compares with a date in quotes, e.g. '2025-01-31' or '2025-01-31T12:00:00Z'");
    }
    if (op === '~') fail("'~' matches text; attributes.created is a date");
  }
  if (op === '~' && value.type !== 'string') fail("'~' takes a quoted regular expression");
  if (value.type === 'string' && op === '~') {
    try {
      new RegExp(value.value);
    } catch {
      fail(`invalid regular expression '${value.value}'`);
    }
  }
}

/** Parses a filter into its AST; an empty filter means "every run". Throws FilterSyntaxError with a column. */
export function parseFilter(input: string): FilterNode | undefined {
  return new Parser(input).parseFilter();
}

/** Parses `--order-by`, e.g. "metrics.recall desc, attributes.created". */
export function parseOrderBy(input: string): OrderTerm[] {
  if (input.trim() === '') return [];
  return new Parser(input).parseOrderBy();
}
