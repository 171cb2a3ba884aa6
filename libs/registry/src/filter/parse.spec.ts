import { describe, expect, it } from 'vitest';
import type { FilterNode } from './ast.js';
import { parseFilter, parseOrderBy } from './parse.js';
import { FilterSyntaxError } from './syntax-error.js';

/** A compact rendering of the tree, to assert precedence. */
function show(node: FilterNode | undefined): string {
  if (!node) return '';
  switch (node.type) {
    case 'and':
    case 'or':
      return `(${show(node.left)} ${node.type} ${show(node.right)})`;
    case 'not':
      return `(not ${show(node.operand)})`;
    case 'compare': {
      const f = node.field;
      const name = `${f.scope}.${f.path.join('.')}`;
      const lhs = f.scope === 'metrics' ? `${f.aggregate}(${name})` : name;
      return `${lhs}${node.op}${JSON.stringify(node.value.value)}`;
    }
  }
}

function syntaxError(input: string): FilterSyntaxError {
  try {
    parseFilter(input);
  } catch (error) {
    expect(error).toBeInstanceOf(FilterSyntaxError);
    return error as FilterSyntaxError;
  }
  throw new Error(`expected a syntax error for ${input}`);
}

describe('parseFilter', () => {
  it('gives NOT precedence over AND, and AND over OR', () => {
    expect(show(parseFilter('params.a = 1 or params.b = 2 and params.c = 3'))).toBe('(params.a=1 or (params.b=2 and params.c=3))');
    expect(show(parseFilter('not params.a = 1 and params.b = 2'))).toBe('((not params.a=1) and params.b=2)');
    expect(show(parseFilter('not (params.a = 1 and params.b = 2)'))).toBe('(not (params.a=1 and params.b=2))');
    expect(show(parseFilter('(params.a = 1 or params.b = 2) and params.c = 3'))).toBe('((params.a=1 or params.b=2) and params.c=3)');
    expect(show(parseFilter('params.a = 1 AND params.b = 2 OR NOT NOT params.c = 3'))).toBe('((params.a=1 and params.b=2) or (not (not params.c=3)))');
  });

  it('parses the issue example', () => {
    const tree = parseFilter("metrics.recall >= 0.95 and (params.model = 'resnet' or tags.note ~ 'baseline') and not attributes.status = 'failed'");
    expect(show(tree)).toBe('((last(metrics.recall)>=0.95 and (params.model="resnet" or tags.note~"baseline")) and (not attributes.status="failed"))');
  });

  it('reads every aggregate; a bare metric means last()', () => {
    for (const agg of ['max', 'min', 'last', 'avg']) {
      expect(show(parseFilter(`${agg}(metrics.val_recall) > 0.9`))).toBe(`${agg}(metrics.val_recall)>0.9`);
    }
    expect(show(parseFilter('MAX( metrics.k ) <= 1'))).toBe('max(metrics.k)<=1');
    expect(show(parseFilter('metrics.k != 1'))).toBe('last(metrics.k)!=1');
  });

  it('decodes quoting and escapes in both quote styles, and backquoted keys', () => {
    expect(show(parseFilter(`tags.note = 'it\\'s "fine"'`))).toBe(`tags.note="it's \\"fine\\""`);
    expect(show(parseFilter(`tags.note = "it's \\"fine\\""`))).toBe(`tags.note="it's \\"fine\\""`);
    expect(show(parseFilter(`tags.note = 'a\\\\b\\nc'`))).toBe('tags.note="a\\\\b\\nc"');
    expect(show(parseFilter('params.`batch size` = 32'))).toBe('params.batch size=32');
    expect(show(parseFilter('params.optimizer.lr < 1e-3'))).toBe('params.optimizer.lr<0.001');
    expect(show(parseFilter('metrics.train/loss < -0.5'))).toBe('last(metrics.train/loss)<-0.5');
  });

  it('keeps an empty filter as "everything"', () => {
    expect(parseFilter('   ')).toBeUndefined();
  });

  it.each([
    ['metrics.recall >= ', 19, 'expected a number or a quoted string'],
    ['metrics.recall >= 0.9 and', 26, 'expected a field'],
    ['(metrics.recall > 1', 20, "expected ')' to close the '(' at column 1"],
    ['foo.bar = 1', 1, 'unknown field'],
    ["metrics.recall = 'x'", 18, 'is a number'],
    ["params.a = 'abc", 12, 'unterminated string'],
    ['max(params.x) > 1', 1, 'metrics only'],
    ["attributes.color = 'x'", 1, 'unknown attribute'],
    ['metrics.recall >= 0.9 params.x = 1', 23, "expected 'and', 'or'"],
    ['params.x = 1 && params.y = 2', 14, "unexpected character '&'"],
    ['tags.note = 3', 13, 'quote the value'],
    ["attributes.created > 'last tuesday'", 22, 'date in quotes'],
    ["tags.note ~ '('", 13, 'invalid regular expression'],
    ['params.x ! 1', 10, "unknown operator '!'"],
    ['metrics = 1', 9, "expected '.'"],
  ])('rejects %j at column %i', (input, column, reason) => {
    const error = syntaxError(input);
    expect(error.column).toBe(column);
    expect(error.message).toContain(`column ${column}`);
    expect(error.message).toContain(reason);
    expect(error.message).toContain(`\n  ${input}\n  ${' '.repeat(column - 1)}^`);
    expect(error.userFacing).toBe(true);
  });
});

describe('parseOrderBy', () => {
  it('reads several terms with directions', () => {
    const terms = parseOrderBy('max(metrics.recall) desc, params.lr, attributes.created ASC');
    expect(terms.map((t) => `${t.field.scope}.${t.field.path[0]}:${t.field.aggregate ?? ''}:${t.direction}`)).toEqual([
      'metrics.recall:max:desc',
      'params.lr::asc',
      'attributes.created::asc',
    ]);
  });
  it('points at a bad term', () => {
    expect(() => parseOrderBy('metrics.recall sideways')).toThrow(/column 16/);
  });
});
