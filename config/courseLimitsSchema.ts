import { z } from 'zod';

/**
 * What "a day" means for the course limits: a ROLLING 24 hours, never a calendar day.
 *
 * Why not the calendar day clinicians say: (1) it would allow 2 x sessionsPerDay within
 * minutes around midnight (10 sessions ending 23:50, 10 more from 00:00), which no course
 * protocol means; (2) which midnight depends on the rig's time zone, and an embedded board
 * often runs in UTC or a wrong zone without anyone knowing; (3) DST days have 23 or 25
 * hours. A rolling 24 hours depends only on the instants in the ledger, so the same ledger
 * gives the same answer on any machine. The price: a course that started at 08:05 one day
 * cannot start at 08:00 the next; the refusal says so and gives the time.
 */
export const COURSE_DAY_MS = 24 * 60 * 60 * 1000;

/** Said in every message about a daily limit, so nobody reads "day" as "calendar day". */
export const COURSE_DAY_TEXT = 'any 24 hours (a rolling day, not the calendar day)';

/**
 * limits.course: limits across the sessions of a treatment course on one rig (docs/design.md,
 * Modalities), checked before a session starts against the rig's course ledger. Config
 * file only, like every limit: `--set` and commands cannot change them. Examples:
 * accelerated iTBS / SAINT (Cole et al. 2020, 2022): 10 sessions a day of 1800 pulses
 * (about 10 min) with 50-min intersession intervals: sessionsPerDay 10, minInterval_min 50,
 * dailyPulses 18000. Daily tDCS (20-40 min): sessionsPerDay 1, dailyCharge_mC. The interval
 * runs from a session's end to the next start (what "intersession interval" means), not
 * start to start.
 * Every session that started counts, whatever its outcome: a session cut short by a
 * crash, a fault or the e-stop has still delivered some of its dose.
 */
export const courseLimitsSchema = z
  .strictObject({
    sessionsPerDay: z
      .number()
      .int('must be a whole number')
      .min(1)
      .max(1000)
      .describe(`Sessions that may start in ${COURSE_DAY_TEXT}, the new one included.`),
    minInterval_min: z
      .number()
      .finite()
      .min(0)
      .max(525_600)
      .describe('From the end of a session (at most a year) (its last known time if it never ended) to the start of the next, in minutes.'),
    dailyPulses: z
      .number()
      .int('must be a whole number')
      .min(0)
      .max(1e9)
      .optional()
      .describe(`Pulses of a pulse modality (tms, ttl) of the sessions started in ${COURSE_DAY_TEXT}, the new session's planned pulses included. Absent: not limited across sessions.`),
    dailyCharge_mC: z
      .number()
      .finite()
      .min(0)
      .max(1e9)
      .optional()
      .describe(`Delivered charge (one phase per pulse; for tdcs/tacs the integral of |I|) of the sessions started in ${COURSE_DAY_TEXT}, the new session's planned charge included. Absent: not limited across sessions.`),
  })
  .describe(`Limits across the sessions of a course on this rig; "a day" is ${COURSE_DAY_TEXT}.`);

export type CourseLimits = z.output<typeof courseLimitsSchema>;
