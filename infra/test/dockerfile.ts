import { readFileSync } from 'node:fs';

/** One instruction of a Dockerfile, continuation lines joined. */
export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** A build stage: its FROM line and the instructions under it. */
export interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

/**
 * Reads a Dockerfile the way the builder does for what these checks need: comments and blank
 * lines dropped, `\`-continued lines joined, instructions grouped by stage. No Docker engine runs
 * where the tests do, so the file is checked as text.
 */
export function parseDockerfile(path: string): Stage[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  lines.forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && !pending)) return;
    const text = pending ? `${pending.text} ${trimmed}` : trimmed;
    const line = pending?.line ?? index + 1;
    if (text.endsWith('\\')) {
      pending = { text: text.slice(0, -1).trimEnd(), line };
      return;
    }
    pending = undefined;
    const match = /^(\S+)\s*(.*)$/s.exec(text);
    if (match) instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!, line });
  });
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.replace(/--platform=\S+\s+/, '').split(/\s+/);
      stages.push({ image: image!, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return stages;
}

/** The names declared by ENV and ARG instructions (`ENV A=1 B=2`, `ENV A 1`, `ARG A`). */
export function declaredVariables(instruction: Instruction): string[] {
  if (instruction.keyword === 'ARG') return [instruction.args.split('=')[0]!.trim()];
  if (instruction.keyword !== 'ENV') return [];
  if (!instruction.args.includes('=')) return [instruction.args.split(/\s+/)[0]!];
  return [...instruction.args.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/g)].map((match) => match[1]!);
}
