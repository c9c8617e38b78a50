/**
 * Extra steps of `npm test` beyond typecheck, lint, vitest, builds and browser tests:
 * the short fixed-seed simulation and the malformed-input barrage (issue 9) register here.
 */
export interface ExtraStep {
  name: string;
  command: string;
  args: string[];
}

export function extraSteps(_env: NodeJS.ProcessEnv): ExtraStep[] {
  return [];
}
