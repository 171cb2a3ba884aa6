import type { CommandHandler } from '../command-table.js';
import { UserError } from '../errors.js';

export const run: CommandHandler = async () => {
  throw new UserError('sweep is not implemented yet');
};
