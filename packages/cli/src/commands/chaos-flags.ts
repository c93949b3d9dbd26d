import { UsageError } from '../errors.js';

/**
 * The per-behaviour flags commander cannot declare in advance: `--behavior-<name>-<option> value`
 * and Vaurien's older `--handlers.<name>.<option> value` (also with `=value`). Anything else left
 * over is an error that names the flag and what is allowed.
 */
export function parseBehaviorFlags(
  tokens: readonly string[],
  known: Readonly<Record<string, { options: Readonly<Record<string, unknown>> }>>,
): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  const names = Object.keys(known).sort((a, b) => b.length - a.length);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const eq = token.indexOf('=');
    const flag = eq === -1 ? token : token.slice(0, eq);
    let behavior: string | undefined;
    let option: string | undefined;
    if (flag.startsWith('--behavior-')) {
      const rest = flag.slice('--behavior-'.length);
      behavior = names.find((name) => rest.startsWith(`${name}-`));
      if (behavior === undefined) {
        throw new UsageError(
          `unknown behavior in ${flag} (allowed: ${Object.keys(known).join(', ')}; form --behavior-<name>-<option> <value>)`,
        );
      }
      option = rest.slice(behavior.length + 1);
    } else if (flag.startsWith('--handlers.')) {
      const match = /^--handlers\.([^.]+)\.(.+)$/.exec(flag);
      if (!match) throw new UsageError(`${flag} must be --handlers.<name>.<option> <value>`);
      behavior = match[1]!;
      option = match[2]!;
      if (known[behavior] === undefined) {
        throw new UsageError(`unknown behavior "${behavior}" in ${flag} (allowed: ${Object.keys(known).join(', ')})`);
      }
    } else if (token.startsWith('-')) {
      throw new UsageError(`unknown option ${flag} (run traffic chaos --help)`);
    } else {
      throw new UsageError(`unexpected argument ${JSON.stringify(token)} (run traffic chaos --help)`);
    }
    const declared = Object.keys(known[behavior]!.options);
    const key = declared.includes(option) ? option : option.replace(/-/g, '_');
    if (!declared.includes(key)) {
      throw new UsageError(
        `behavior ${behavior} has no option "${option}" in ${flag} (allowed: ${declared.length > 0 ? declared.join(', ') : 'none'})`,
      );
    }
    let value: string;
    if (eq !== -1) value = token.slice(eq + 1);
    else if (tokens[i + 1] !== undefined && !tokens[i + 1]!.startsWith('--')) value = tokens[++i]!;
    else value = 'true';
    const options = out[behavior] ?? {};
    options[key] = value;
    out[behavior] = options;
  }
  return out;
}
