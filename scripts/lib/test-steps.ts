/**
 * Extra steps of `npm test` beyond typecheck, lint, vitest, builds and browser tests:
 * the short fixed-seed simulation with faults and the malformed-input barrage (issue 9,
 * docs/simulation.md). Both need the real PostgreSQL server; without one they are not run
 * (npm test already says the server suites are skipped).
 */
export interface ExtraStep {
  name: string;
  command: string;
  args: string[];
}

export function extraSteps(env: NodeJS.ProcessEnv): ExtraStep[] {
  if (!env.FENQI_TEST_PG_URL) return [];
  return [
    {
      name: 'simulation (seed 1, 2000 ops, 8 lanes, SIGKILLs + connection cuts)',
      command: 'npx',
      args: [
        'tsx',
        'scripts/simulate.ts',
        '--seed',
        '1',
        '--ops',
        '2000',
        '--lanes',
        '8',
        '--faults',
        '--kill-rate',
        '0.015',
        '--sever-rate',
        '0.03',
        '--quiet',
      ],
    },
    {
      name: 'barrage (1500 malformed requests from the OpenAPI document)',
      command: 'npx',
      args: ['tsx', 'scripts/barrage.ts', '--seed', '1', '--requests', '1500', '--quiet'],
    },
  ];
}
