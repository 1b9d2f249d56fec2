/** The one way every subcommand reads its flags: strict, no positionals, a user's mistake is a UsageError. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './io.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** What parseArgs gives for `options` (strict, no positionals). */
type Values<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>
>['values'];

export function parseCommandArgs<const O extends Options>(
  cmd: string,
  argv: string[],
  options: O,
): Values<O> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(`${cmd}: ${(err as Error).message}`);
  }
}
