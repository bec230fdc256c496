/*
 * watchdog.h - a hang becomes a failure that says where it hung, instead
 * of a ctest timeout: watchdog_arm(seconds, "step %d", i) before a step
 * that might hang, watchdog_disarm() after it. On expiry the test prints
 * "<test>: hung for N s in: <step>" and exits 1. Uses SIGALRM.
 */
#ifndef WS_WATCHDOG_H
#define WS_WATCHDOG_H

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char watchdog_step_[256];
static char watchdog_prefix_[96];

static void watchdog_fire_(int sig)
{
    (void)sig;
    /* Only async-signal-safe calls here: write and _exit. */
    ssize_t r = write(2, watchdog_prefix_, strlen(watchdog_prefix_));
    r += write(2, watchdog_step_, strlen(watchdog_step_));
    r += write(2, "\n", 1);
    _exit(r > 0 ? 1 : 2);
}

static inline void watchdog_arm(unsigned seconds, const char *fmt, ...)
{
    static int installed;
    if (!installed) {
        setvbuf(stdout, NULL, _IOLBF, 0); /* the handler exits without flushing */
        signal(SIGALRM, watchdog_fire_);
        installed = 1;
    }
    alarm(0);
    snprintf(watchdog_prefix_, sizeof(watchdog_prefix_),
             "%s: hung for %u s in: ", program_invocation_short_name, seconds);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(watchdog_step_, sizeof(watchdog_step_), fmt, ap);
    va_end(ap);
    alarm(seconds);
}

static inline void watchdog_disarm(void)
{
    alarm(0);
}

#endif /* WS_WATCHDOG_H */
