import { DdimScheduler } from './ddim.js';
import { DpmSolverScheduler } from './dpm-solver.js';
import type { NoiseSchedule, Scheduler } from './schedule.js';

export const SCHEDULERS = ['dpm-solver++', 'ddim'] as const;
export type SchedulerName = (typeof SCHEDULERS)[number];

export function makeScheduler(
  name: SchedulerName,
  schedule: NoiseSchedule,
  steps: number,
): Scheduler {
  switch (name) {
    case 'ddim':
      return new DdimScheduler(schedule, steps);
    case 'dpm-solver++':
      return new DpmSolverScheduler(schedule, steps);
    default:
      throw new RangeError(
        `unknown scheduler "${String(name)}"; choose ${SCHEDULERS.join(' or ')}`,
      );
  }
}
