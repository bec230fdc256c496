/*
 * quota.h - the CPU bandwidth a CFS quota gives this process, read from
 * its own cgroup files (never the environment): cgroup v2's cpu.max, or
 * v1's cpu.cfs_quota_us / cpu.cfs_period_us, on the process's cgroup and
 * every ancestor up to the mount (a parent's limit binds its children too).
 */
#ifndef WS_QUOTA_H
#define WS_QUOTA_H

/*
 * The smallest quota / period found, in CPUs (1.5: one and a half), or 0
 * when there is none or a file cannot be read: an unreadable cgroup means
 * "no quota", never an error.
 */
double ws__cpu_quota(void);

/* The same from the given files in place of /proc/self/cgroup and
 * /proc/self/mountinfo (for tests, over a synthetic tree). */
double ws__cpu_quota_from(const char *cgroup_file, const char *mountinfo_file);

#endif /* WS_QUOTA_H */
