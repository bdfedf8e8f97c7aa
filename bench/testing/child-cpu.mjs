// CPU time (user + system) of the child processes this process has waited for, with their own
// waited-for children: on a machine shared with other jobs a run's wall time depends on the
// others, its CPU time much less. Linux only (/proc/self/stat); null elsewhere.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** Milliseconds of CPU the reaped children used so far, or null where /proc is missing. */
export function childrenCpuMs() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (which may hold spaces, inside parentheses): cutime and cstime are the 16th and 17th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND;
  } catch {
    // Not Linux: wall time only.
    return null;
  }
}
