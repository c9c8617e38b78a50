export * from './escalation';
export * from './hardship';
export * from './planner';
