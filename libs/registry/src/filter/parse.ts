import { attributeAliases, attributeNames, type Aggregate, type ComparisonOp, type FieldRef, type FilterNode, type Literal, type OrderTerm, type Scope } from './ast.js';
import { checkLiteral } from './literal-checks.js';
import { FilterSyntaxError, filterHint } from './syntax-error.js';
import { tokenize, type Token } from './tokenize.js';

/**
 * Bounds that keep a filter cheap to parse, plan and run: the parser recurses once per nesting level (so
 * 10,000 nested parentheses are an error at column 65, not a stack overflow), and each comparison is a
 * bound parameter and a column of the compiled query.
 */
export const filterLimits = { maxCharacters: 100_000, maxComparisons: 1_000, maxDepth: 64 } as const;

/** MLflow's singular prefixes (metric., param., tag., attribute.) are accepted as well as the plural ones. */
const scopeNames: Record<string, Scope> = {
  params: 'params',
  param: 'params',
  metrics: 'metrics',
  metric: 'metrics',
  tags: 'tags',
  tag: 'tags',
  attributes: 'attributes',
  attribute: 'attributes',
  attr: 'attributes',
};
const aggregates: readonly Aggregate[] = ['last', 'min', 'max', 'avg'];
const keywords = new Set(['and', 'or', 'not', 'in', 'is', 'null', 'like', 'ilike']);
const limitsHint = `a filter holds at most ${filterLimits.maxComparisons.toLocaleString('en')} comparisons (IN-list values count) and ${filterLimits.maxDepth} levels of parentheses or NOT`;

/**
 * Recursive descent over:
 *   or        := and ('or' and)*
 *   and       := not ('and' not)*
 *   not       := 'not' not | '(' or ')' | predicate
 *   predicate := operand (op literal | 'like' string | 'ilike' string | ['not'] 'in' '(' literal (',' literal)* ')' | 'is' ['not'] 'null')
 *   operand   := scope '.' key ('.' key)* | aggregate '(' 'metrics' '.' key ')'
 * so NOT binds tighter than AND, and AND tighter than OR. AND and OR chains become one n-ary node.
 */
class Parser {
  private pos = 0;
  private depth = 0;
  private comparisons = 0;
  private readonly tokens: Token[];
  constructor(private readonly input: string) {
    const length = input.length;
    if (length > filterLimits.maxCharacters) {
      throw new FilterSyntaxError(input, filterLimits.maxCharacters + 1, `the filter is ${length.toLocaleString('en')} characters long; the limit is ${filterLimits.maxCharacters.toLocaleString('en')}`, limitsHint);
    }
    this.tokens = tokenize(input);
  }

  private peek(offset = 0): Token {
    return (this.tokens[this.pos + offset] ?? this.tokens[this.tokens.length - 1]) as Token;
  }
  private next(): Token {
    const t = this.peek();
    if (t.type !== 'end') this.pos += 1;
    return t;
  }
  private fail(token: Token, reason: string, hint?: string): never {
    throw new FilterSyntaxError(this.input, token.column, reason, hint);
  }
  private isKeyword(token: Token, word: string): boolean {
    return token.type === 'ident' && token.text.toLowerCase() === word;
  }
  private describe(token: Token): string {
    if (token.type === 'end') return 'the end of the filter';
    if (token.type === 'string') return `the string '${token.text}'`;
    return `'${token.text}'`;
  }
  private enter(token: Token): void {
    this.depth += 1;
    if (this.depth > filterLimits.maxDepth) this.fail(token, `nesting deeper than ${filterLimits.maxDepth} levels of parentheses or NOT`, limitsHint);
  }
  private count(column: number): void {
    this.comparisons += 1;
    if (this.comparisons > filterLimits.maxComparisons) {
      this.fail({ type: 'end', text: '', column }, `more than ${filterLimits.maxComparisons.toLocaleString('en')} comparisons; split the question into several queries`, limitsHint);
    }
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

  private parseChain(word: 'and' | 'or', operand: () => FilterNode): FilterNode {
    const first = operand();
    if (!this.isKeyword(this.peek(), word)) return first;
    const operands = [first];
    while (this.isKeyword(this.peek(), word)) {
      this.next();
      operands.push(operand());
    }
    return { type: word, operands };
  }

  private parseOr(): FilterNode {
    return this.parseChain('or', () => this.parseAnd());
  }

  private parseAnd(): FilterNode {
    return this.parseChain('and', () => this.parseNot());
  }

  private parseNot(): FilterNode {
    const t = this.peek();
    if (this.isKeyword(t, 'not')) {
      this.next();
      this.enter(t);
      const operand = this.parseNot();
      this.depth -= 1;
      return { type: 'not', operand };
    }
    if (t.type === 'lparen') {
      this.next();
      this.enter(t);
      const inner = this.parseOr();
      this.depth -= 1;
      const close = this.peek();
      if (close.type !== 'rparen') this.fail(close, `expected ')' to close the '(' at column ${t.column}, found ${this.describe(close)}`);
      this.next();
      return inner;
    }
    return this.parsePredicate();
  }

  private parseLiteral(after: string): Literal {
    const token = this.next();
    if (token.type === 'number') return { type: 'number', value: Number(token.text), column: token.column };
    if (token.type === 'string') return { type: 'string', value: token.text, column: token.column };
    return this.fail(token, `expected a number or a quoted string after ${after}, found ${this.describe(token)}`);
  }

  private parsePredicate(): FilterNode {
    const field = this.parseOperand();
    const column = field.column;
    this.count(column);
    const t = this.peek();
    if (this.isKeyword(t, 'is')) {
      this.next();
      const negated = this.isKeyword(this.peek(), 'not') && Boolean(this.next());
      const word = this.next();
      if (!this.isKeyword(word, 'null')) this.fail(word, `expected NULL after IS${negated ? ' NOT' : ''}, found ${this.describe(word)}`);
      return { type: 'null', field, negated, column };
    }
    if (this.isKeyword(t, 'in') || (this.isKeyword(t, 'not') && this.isKeyword(this.peek(1), 'in'))) {
      const negated = this.isKeyword(t, 'not');
      if (negated) this.next();
      this.next();
      const open = this.next();
      if (open.type !== 'lparen') this.fail(open, `expected '(' and a list of values after IN, e.g. IN ('a', 'b')`);
      const values: Literal[] = [];
      do {
        if (values.length > 0) this.count(this.peek().column);
        values.push(checkLiteral(this.input, field, 'in', this.parseLiteral(values.length === 0 ? "'IN ('" : "','")));
      } while (this.peek().type === 'comma' && this.next());
      const mixed = values.find((v) => v.type !== (values[0] as Literal).type);
      if (mixed) this.fail({ type: 'end', text: '', column: mixed.column }, 'IN values must be all numbers or all quoted strings');
      const close = this.next();
      if (close.type !== 'rparen') this.fail(close, `expected ',' or ')' to close the IN list opened at column ${open.column}, found ${this.describe(close)}`);
      return { type: 'in', field, negated, values, column };
    }
    let op: ComparisonOp;
    if (t.type === 'op') op = t.text as ComparisonOp;
    else if (this.isKeyword(t, 'like') || this.isKeyword(t, 'ilike')) op = t.text.toLowerCase() as ComparisonOp;
    else return this.fail(t, `expected a comparison (= != < <= > >= ~ LIKE ILIKE IN IS NULL) after the field, found ${this.describe(t)}`);
    this.next();
    const value = checkLiteral(this.input, field, op, this.parseLiteral(`'${op}'`));
    return { type: 'compare', field, op, value, column };
  }

  private parseOperand(): FieldRef {
    const t = this.peek();
    if (t.type !== 'ident' || keywords.has(t.text.toLowerCase())) {
      this.fail(t, `expected a field such as metrics.recall, params.lr, tags.note or attributes.status, found ${this.describe(t)}`);
    }
    const name = t.text.toLowerCase();
    if (aggregates.includes(name as Aggregate) && this.peek(1).type === 'lparen') {
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
    const scope = scopeToken.type === 'ident' ? scopeNames[scopeToken.text.toLowerCase()] : undefined;
    if (!scope) {
      const datasets = /^datasets?$/i.test(scopeToken.text) ? ' (datasets.* is MLflow-only: a run\'s data is its audited split fingerprint)' : '';
      this.fail(scopeToken, `unknown field ${this.describe(scopeToken)}${datasets}: fields start with params., metrics., tags. or attributes.`);
    }
    const path: string[] = [];
    do {
      const dot = this.next();
      if (dot.type !== 'dot') this.fail(dot, `expected '.' and a key after '${scopeToken.text}'`);
      const key = this.next();
      if (key.type !== 'ident' && key.type !== 'quoted-ident' && key.type !== 'number') this.fail(key, `expected a key name after '.', found ${this.describe(key)}`);
      path.push(key.text);
    } while (this.peek().type === 'dot');
    if (scope === 'tags' && path.join('.') === 'mlflow.runName') return { scope: 'attributes', path: ['name'], column: scopeToken.column };
    if (scope === 'attributes') return { scope, path: [this.attribute(scopeToken, path)], column: scopeToken.column };
    return { scope, path, column: scopeToken.column };
  }

  private attribute(scopeToken: Token, path: string[]): string {
    const given = path.join('.');
    const name = attributeAliases[given.toLowerCase()] ?? given.toLowerCase();
    if (!(attributeNames as readonly string[]).includes(name)) {
      const known = [...attributeNames, ...Object.keys(attributeAliases)].join(', ');
      const why = given.toLowerCase() === 'user_id' ? ' (Leakproof does not record a user per run)' : '';
      this.fail(scopeToken, `unknown attribute '${given}'${why}: use one of ${known}`);
    }
    return name;
  }
}

/** Parses a filter into its AST; an empty filter means "every run". Throws FilterSyntaxError with a column. */
export function parseFilter(input: string): FilterNode | undefined {
  return new Parser(input).parseFilter();
}

const orderByHint = 'an order-by list looks like: metrics.recall desc, attributes.created (a key with spaces or other signs in backticks: metrics.`train loss` desc)';

/** Parses `--order-by`, e.g. "metrics.recall desc, attributes.created"; its errors say order-by, not filter. */
export function parseOrderBy(input: string): OrderTerm[] {
  if (input.trim() === '') return [];
  try {
    return new Parser(input).parseOrderBy();
  } catch (error) {
    if (!(error instanceof FilterSyntaxError)) throw error;
    // a hint about the field itself (unknown attribute, …) stays; the filter example gives way to an order-by one
    throw new FilterSyntaxError(error.input, error.column, error.reason, error.hint === filterHint || !error.hint ? orderByHint : error.hint, 'order-by');
  }
}
