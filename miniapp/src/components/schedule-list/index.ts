export type { ScheduleListProps, ScheduleRow } from './schedule-list';
export { ScheduleList } from './schedule-list';
