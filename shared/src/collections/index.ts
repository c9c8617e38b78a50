export * from './escalation';
export * from './planner';
