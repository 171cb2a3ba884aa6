import { fieldRef } from '@leakproof/core';
import { describe, expect, it } from 'vitest';
import type { FilterNode } from './ast.js';
import { filterLimits, parseFilter, parseOrderBy } from './parse.js';
import { FilterSyntaxError } from './syntax-error.js';

/** A compact rendering of the tree, to assert precedence. */
function show(node: FilterNode | undefined): string {
  if (!node) return '';
  switch (node.type) {
    case 'and':
    case 'or':
      return `(${node.operands.map(show).join(` ${node.type} `)})`;
    case 'not':
      return `(not ${show(node.operand)})`;
    default: {
      const f = node.field;
      const name = `${f.scope}.${f.path.join('.')}`;
      const lhs = f.scope === 'metrics' ? `${f.aggregate}(${name})` : name;
      if (node.type === 'null') return `${lhs} is ${node.negated ? 'not ' : ''}null`;
      if (node.type === 'in') return `${lhs} ${node.negated ? 'not ' : ''}in (${node.values.map((v) => JSON.stringify(v.value)).join(', ')})`;
      const op = /^[a-z]/.test(node.op) ? ` ${node.op} ` : node.op;
      return `${lhs}${op}${JSON.stringify(node.value.value)}`;
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
    expect(show(tree)).toBe('(last(metrics.recall)>=0.95 and (params.model="resnet" or tags.note~"baseline") and (not attributes.status="failed"))');
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
    ["attributes.created > 'last tuesday'", 22, 'is not a date'],
    ["attributes.created > '2025'", 22, "write it as '2025-01-31'"],
    ["attributes.created > '2025-02-30'", 22, 'not a real date'],
    ["attributes.created > '2025-01-31T25:00'", 22, 'not a real time'],
    ["attributes.status = 'ACTIVE'", 21, 'unknown run status'],
    ["attributes.run_id = 'a1b2c3d4'", 21, 'run ids are integers'],
    ["attributes.user_id = 'x'", 1, 'does not record a user'],
    ["datasets.name = 'x'", 1, 'MLflow-only'],
    ['metrics.loss like 1', 19, "'like' matches text"],
    ["params.x in (1, 'a')", 17, 'all numbers or all quoted strings'],
    ["params.x is 'a'", 13, 'expected NULL after IS'],
    ["params.x in 'a'", 13, "expected '('"],
    ["tags.note like 'a\\\\'", 16, 'lone backslash'],
    ['metrics.k > 1e999', 13, 'out of range'],
    ["tags.n = 'a\u0000b'", 12, 'NUL'],
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

describe('MLflow syntax', () => {
  it.each([
    ['metric.acc > .5', 'last(metrics.acc)>0.5'],
    ['param.lr < 1e-3', 'params.lr<0.001'],
    ["tag.env = 'nb'", 'tags.env="nb"'],
    ["attribute.run_name = 'x'", 'attributes.name="x"'],
    ['metrics."val loss" <= 0.15', 'last(metrics.val loss)<=0.15'],
    ['params.`learning rate` = "0.01"', 'params.learning rate="0.01"'],
    ["tags.mlflow.source.type = 'LOCAL'", 'tags.mlflow.source.type="LOCAL"'],
    ["tags.\"mlflow.runName\" = 'r1'", 'attributes.name="r1"'],
    ["tags.mlflow.runName = 'r1'", 'attributes.name="r1"'],
    ['params.model LIKE "GPT%"', 'params.model like "GPT%"'],
    ['params.model ILIKE "gpt%"', 'params.model ilike "gpt%"'],
    ["attributes.status = 'FAILED'", 'attributes.status="failed"'],
    ["attributes.status != 'KILLED'", 'attributes.status!="interrupted"'],
    ["attributes.run_id IN ('12', '13')", 'attributes.id in (12, 13)'],
    ["params.model NOT IN ('a', 'b')", 'params.model not in ("a", "b")'],
    ['tags.note IS NULL', 'tags.note is null'],
    ['metrics.loss is not null', 'last(metrics.loss) is not null'],
    ['attributes.start_time >= 1664067852747', 'attributes.created>="2022-09-25T01:04:12.747Z"'],
    ['attributes.end_time < 1664067852747', 'attributes.finished<"2022-09-25T01:04:12.747Z"'],
    ["attributes.created > '2025-01-31T12:00:00+01:00'", 'attributes.created>"2025-01-31T12:00:00+01:00"'],
  ])('reads %s', (input, shown) => {
    expect(show(parseFilter(input))).toBe(shown);
  });
});

describe('bounds', () => {
  it('parses a 1,000-term AND chain into one node', () => {
    const filter = Array.from({ length: filterLimits.maxComparisons }, (_, i) => `metrics.k${i % 20} > ${i}`).join(' and ');
    const tree = parseFilter(filter);
    expect(tree?.type === 'and' && tree.operands.length).toBe(filterLimits.maxComparisons);
  });

  it('refuses the 1,001st comparison at its column', () => {
    const term = 'metrics.k > 1 and ';
    const error = syntaxError(term.repeat(filterLimits.maxComparisons) + 'metrics.k > 1');
    expect(error.column).toBe(term.length * filterLimits.maxComparisons + 1);
    expect(error.message).toContain('more than 1,000 comparisons');
    expect(error.hint).toContain('at most 1,000 comparisons');
  });

  it('counts IN-list values as comparisons', () => {
    const values = Array.from({ length: filterLimits.maxComparisons + 1 }, (_, i) => `'${i}'`).join(', ');
    expect(syntaxError(`tags.x in (${values})`).message).toContain('more than 1,000 comparisons');
  });

  it.each([
    ['parentheses', '('.repeat(10_000) + 'metrics.k > 1' + ')'.repeat(10_000), 65],
    ['NOTs', 'not '.repeat(10_000) + 'metrics.k > 1', 4 * 64 + 1],
  ])('refuses 10,000 nested %s with a column instead of overflowing the stack', (_, filter, column) => {
    const error = syntaxError(filter);
    expect(error.column).toBe(column);
    expect(error.message).toContain('nesting deeper than 64');
  });

  it('accepts 64 levels of nesting', () => {
    expect(parseFilter('('.repeat(32) + 'not '.repeat(32) + 'metrics.k > 1' + ')'.repeat(32))).toBeDefined();
  });

  it('refuses a filter longer than the character limit', () => {
    const error = syntaxError(`tags.x = '${'a'.repeat(filterLimits.maxCharacters)}'`);
    expect(error.message).toContain('characters long');
    expect(error.message.length).toBeLessThan(1000);
  });
});

describe('error columns', () => {
  it('count characters, not UTF-16 units', () => {
    // each emoji is two UTF-16 units; the bad '&' is the 22nd character (the 24th UTF-16 unit)
    const error = syntaxError("tags.note = '😀😀' and && x");
    expect(error.column).toBe(22);
    expect(error.message).toContain(`\n  tags.note = '😀😀' and && x\n  ${' '.repeat(21)}^`);
  });
  it('count characters in keys', () => {
    expect(syntaxError('tags.`é😀` = 3').column).toBe(13);
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
  it('calls itself an order-by in its errors, with an order-by example unless the hint is about the field', () => {
    const failure = (input: string) => {
      try {
        parseOrderBy(input);
      } catch (error) {
        return error as FilterSyntaxError;
      }
      throw new Error(`${input} parsed`);
    };
    const direction = failure('metrics.recall sideways');
    expect(direction.message).toMatch(/^bad order-by at column 16: expected 'asc', 'desc'/);
    expect(direction.hint).toMatch(/^an order-by list looks like/);
    expect(failure('attributes.colour desc').message).toMatch(/^bad order-by at column 1: unknown attribute 'colour'/);
  });
  it('reads back every key the way fieldRef writes it', () => {
    for (const key of ['val_recall', 'train/loss', 'train loss', 'acc@1', '1st', 'a`b\\c', 'lr.max']) {
      const [term] = parseOrderBy(`${fieldRef('metrics', key)} desc`);
      expect(term?.field.path.join('.')).toBe(key);
    }
  });
  it("reads MLflow's attribute names and upper-case directions", () => {
    expect(parseOrderBy('attributes.end_time DESC, attributes.start_time').map((t) => `${t.field.path[0]}:${t.direction}`)).toEqual(['finished:desc', 'created:asc']);
  });
});
