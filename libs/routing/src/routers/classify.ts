import type { RouterInputFields } from '../router-input';

/** Keyword matchers: a keyword matches at the start of a word, case-insensitively. */
export function keywordMatcher(keywords: string[]): (text: string) => string[] {
  const compiled = keywords.map((k) => ({ k, re: new RegExp(`(^|[^a-z0-9])${k.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) }));
  return (text) => {
    const lower = text.toLowerCase();
    return compiled.filter((c) => c.re.test(lower)).map((c) => c.k);
  };
}

const CODE_SHAPES = [/```/, /\bdef \w+\(/, /\bfunction \w*\(/, /=>\s*[{(]/, /\bclass \w+/, /;\s*\n/, /\bimport \w+/, /#include\s*</];

export interface TaskClassifier {
  tasks: { name: string; match: (text: string) => string[] }[];
  defaultTask: string;
}

/** The task of a prompt: the task with the most keyword hits (code also by its shape). */
export function classifyTask(input: RouterInputFields, classifier: TaskClassifier): { task: string; signals: string[] } {
  const text = `${input.systemPrompt}\n${input.prompt}`;
  let best = { task: classifier.defaultTask, signals: [] as string[], hits: 0 };
  for (const t of classifier.tasks) {
    const signals = t.match(text);
    if (t.name === 'code' && CODE_SHAPES.some((re) => re.test(input.prompt))) signals.push('code in the prompt');
    if (signals.length > best.hits) best = { task: t.name, signals, hits: signals.length };
  }
  return { task: best.task, signals: best.signals };
}

export interface ComplexityRules {
  levels: string[];
  keywords: Record<string, string[]>;
  length_chars: Record<string, number>;
  code_blocks_for_complex: number;
}

/**
 * A coding prompt's complexity: the highest level any signal reaches (its keywords, its
 * length, several code blocks, tools in play); "simple" when none reaches higher.
 */
export function classifyComplexity(
  input: RouterInputFields,
  rules: ComplexityRules,
  matchers: Record<string, (text: string) => string[]>,
): { level: string; signals: string[] } {
  const levels = rules.levels;
  let level = 0;
  const signals: string[] = [];
  const raise = (to: number, why: string) => {
    signals.push(why);
    level = Math.max(level, to);
  };
  const text = `${input.systemPrompt}\n${input.prompt}`;
  for (const [name, match] of Object.entries(matchers)) {
    const idx = levels.indexOf(name);
    if (name === 'simple' || idx < 0) continue;
    for (const k of match(text)) raise(idx, `"${k}" (${name})`);
  }
  const length = input.prompt.length;
  for (const [name, min] of Object.entries(rules.length_chars)) {
    if (length >= min) raise(levels.indexOf(name), `${length} characters (${name})`);
  }
  const blocks = Math.floor((input.prompt.match(/```/g)?.length ?? 0) / 2);
  if (blocks >= rules.code_blocks_for_complex) raise(levels.indexOf('complex'), `${blocks} code blocks (complex)`);
  if (input.hasTools) raise(Math.min(levels.length - 1, Math.max(level, levels.indexOf('moderate'))), 'tools in the request (moderate)');
  const simple = matchers.simple?.(text) ?? [];
  if (level === 0 && simple.length > 0) signals.push(...simple.map((k) => `"${k}" (simple)`));
  return { level: levels[level]!, signals };
}
