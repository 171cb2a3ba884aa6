/** A malformed filter: the message shows the filter with a caret under the 1-based column. */
export class FilterSyntaxError extends Error {
  readonly userFacing = true;
  readonly hint: string;
  constructor(
    readonly input: string,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`bad filter at column ${column}: ${reason}\n  ${input}\n  ${' '.repeat(Math.max(0, column - 1))}^`);
    this.name = 'FilterSyntaxError';
    this.hint =
      "filters look like: metrics.recall >= 0.95 and (params.model = 'resnet' or tags.note ~ 'baseline') and not attributes.status = 'failed'";
  }
}
