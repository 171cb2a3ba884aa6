import type { CommandHandler } from '../command-table.js';
import { UserError } from '../errors.js';

export const run: CommandHandler = async () => {
  throw new UserError('runs-query is not implemented yet');
};
