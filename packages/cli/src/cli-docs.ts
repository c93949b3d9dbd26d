import type { Command } from 'commander';

/**
 * Render docs/cli.md from the program itself: the top-level help and every subcommand's help, so
 * the reference cannot drift from the code (packages/cli/test/cli-docs.test.ts compares them).
 */
export function renderCliDocs(program: Command): string {
  const sections: string[] = [
    '# `traffic` command reference',
    '',
    "Generated from `traffic --help` and each subcommand's `--help` by `npm run docs:cli`;",
    'a test fails when this page is stale. Global options go before the subcommand',
    '(`traffic --log-level debug shadow …`).',
    '',
    '## traffic',
    '',
    fence(helpOf(program)),
  ];
  for (const command of walk(program)) {
    sections.push('', `## ${commandPath(command)}`, '', fence(helpOf(command)));
  }
  return `${sections.join('\n')}\n`;
}

function* walk(command: Command): Generator<Command> {
  for (const sub of command.commands) {
    yield sub;
    yield* walk(sub);
  }
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current; current = current.parent) names.unshift(current.name());
  return names.join(' ');
}

/** The full help text as `--help` prints it, "after" text (examples) included, 100 columns wide. */
export function helpOf(command: Command): string {
  const parts: string[] = [];
  const collect = (more: string) => {
    parts.push(more);
  };
  command.configureHelp({ helpWidth: 100 });
  command.configureOutput({ writeOut: collect, writeErr: collect });
  command.outputHelp();
  return parts.join('').trimEnd();
}

function fence(text: string): string {
  return `\`\`\`text\n${text}\n\`\`\``;
}
