/*
 * proc.c - the driver's child processes (servers and clients), and the
 * memory of a process tree.
 *
 * Each child runs in a process group of its own, so that a signal to the
 * group reaches whatever it forked (prefork's workers), and so that a ^C at
 * the terminal reaches only the driver, which then stops every child itself:
 * the SIGINT/SIGTERM handler sends SIGTERM to each live child's group (kill()
 * is async-signal-safe), and the driver's loop, seeing proc_interrupted(),
 * kills what is left and exits. A child also gets SIGKILL if the driver dies
 * without that chance (PR_SET_PDEATHSIG). Signals are blocked from fork() to
 * the child's registration, so that none slips between them.
 *
 * Exits are waited for through a pidfd (poll()able with the output pipes);
 * wait4() then gives the status and the CPU time of the child and of every
 * child it reaped itself.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

#include "load/servers.h"

#define CAPTURE_MAX (1u << 20) /* bytes of a child's stdout or stderr kept */
#define MAX_LIVE    16

/* The process groups of live children, for the signal handler. A slot is
 * written only with SIGINT and SIGTERM blocked, so the handler never sees
 * one half-made; volatile sig_atomic_t is what a handler may read. */
static volatile sig_atomic_t live[MAX_LIVE];
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
    for (int i = 0; i < MAX_LIVE; i++)
        if (live[i] > 0)
            kill(-(pid_t)live[i], SIGTERM);
}

double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int proc_init(void)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: poll() returns EINTR and the loop sees the flag at once. */
    if (sigaction(SIGINT, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0)
        return -1;
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

int proc_interrupted(void)
{
    return interrupted != 0;
}

static void block_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, old);
}

static void live_set(pid_t pid, int add)
{
    for (int i = 0; i < MAX_LIVE; i++)
        if (add ? live[i] == 0 : live[i] == pid) {
            live[i] = add ? pid : 0;
            return;
        }
}

/* In the child, between fork and exec: only async-signal-safe calls. */
static void child_exec(char *const argv[], const cpu_set_t *cpus, int out, int err, int report,
                       const sigset_t *mask, pid_t parent)
{
    int code = 0;
    setpgid(0, 0);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    sigprocmask(SIG_SETMASK, mask, NULL);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(127); /* the driver is already gone */
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
        code = errno;
    else if (cpus != NULL && sched_setaffinity(0, sizeof(*cpus), cpus) != 0)
        code = errno;
    if (code == 0) {
        if (strchr(argv[0], '/'))
            execv(argv[0], argv);
        else
            execvp(argv[0], argv);
        code = errno;
    }
    /* Tell the parent why, through the close-on-exec pipe. */
    if (write(report, &code, sizeof(code)) < 0)
        _exit(127);
    _exit(127);
}

int child_spawn(struct child *c, char *const argv[], const cpu_set_t *cpus, char *err,
                size_t errlen)
{
    *c = (struct child){.pid = -1, .pidfd = -1, .out = -1, .err = -1};
    int po[2] = {-1, -1}, pe[2] = {-1, -1}, pr[2] = {-1, -1};
    if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0 || pipe2(pr, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        goto fail;
    }
    fflush(NULL);
    sigset_t old;
    block_signals(&old);
    pid_t parent = getpid(), pid = fork();
    if (pid == 0)
        child_exec(argv, cpus, po[1], pe[1], pr[1], &old, parent);
    if (pid > 0) {
        setpgid(pid, pid); /* as the child does: whichever runs first */
        live_set(pid, 1);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        goto fail;
    }
    c->pid = pid;
    c->started = now_s();
    close(po[1]);
    close(pe[1]);
    close(pr[1]);
    po[1] = pe[1] = pr[1] = -1;
    int code = 0;
    ssize_t got;
    while ((got = read(pr[0], &code, sizeof(code))) < 0 && errno == EINTR)
        ;
    close(pr[0]);
    c->out = po[0];
    c->err = pe[0];
    fcntl(c->out, F_SETFL, O_NONBLOCK);
    fcntl(c->err, F_SETFL, O_NONBLOCK);
    c->pidfd = pidfd_open(pid, 0);
    if (got == (ssize_t)sizeof(code)) { /* the exec failed */
        snprintf(err, errlen, "cannot run %s: %s", argv[0], strerror(code));
        child_release(c);
        return -1;
    }
    if (c->pidfd < 0) {
        snprintf(err, errlen, "pidfd_open: %s", strerror(errno));
        child_release(c);
        return -1;
    }
    return 0;
fail:
    for (int i = 0; i < 2; i++) {
        if (po[i] >= 0)
            close(po[i]);
        if (pe[i] >= 0)
            close(pe[i]);
        if (pr[i] >= 0)
            close(pr[i]);
    }
    return -1;
}

static void capture_add(struct capture *c, const char *s, size_t n)
{
    size_t keep = c->len >= CAPTURE_MAX ? 0 : CAPTURE_MAX - c->len < n ? CAPTURE_MAX - c->len : n;
    if (c->len + keep + 1 > c->cap) {
        size_t cap = c->cap ? c->cap : 4096;
        while (cap < c->len + keep + 1)
            cap *= 2;
        char *s2 = realloc(c->s, cap);
        if (s2 == NULL) {
            c->dropped += n;
            return;
        }
        c->s = s2;
        c->cap = cap;
    }
    memcpy(c->s + c->len, s, keep);
    c->len += keep;
    c->s[c->len] = '\0';
    c->dropped += n - keep;
}

/* Reads what is there on *fd into cap; closes *fd at its end. */
static void drain(int *fd, struct capture *cap)
{
    char buf[8192];
    for (;;) {
        ssize_t n = read(*fd, buf, sizeof(buf));
        if (n > 0) {
            capture_add(cap, buf, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
            close(*fd);
            *fd = -1;
        }
        return;
    }
}

static void reap(struct child *c, int block)
{
    if (c->exited || c->pid <= 0)
        return;
    pid_t r;
    while ((r = wait4(c->pid, &c->status, block ? 0 : WNOHANG, &c->ru)) < 0 && errno == EINTR)
        ;
    if (r == c->pid) {
        sigset_t old;
        block_signals(&old);
        live_set(c->pid, 0);
        sigprocmask(SIG_SETMASK, &old, NULL);
        c->exited = 1;
    }
}

void child_pump(struct child *const *cs, size_t n, int timeout_ms)
{
    struct pollfd pf[3 * 8];
    struct {
        struct child *c;
        int what; /* 0 stdout, 1 stderr, 2 exit */
    } who[3 * 8];
    size_t np = 0;
    for (size_t i = 0; i < n && i < 8; i++) {
        struct child *c = cs[i];
        if (c == NULL || c->pid <= 0)
            continue;
        if (c->out >= 0) {
            pf[np] = (struct pollfd){.fd = c->out, .events = POLLIN};
            who[np].c = c, who[np++].what = 0;
        }
        if (c->err >= 0) {
            pf[np] = (struct pollfd){.fd = c->err, .events = POLLIN};
            who[np].c = c, who[np++].what = 1;
        }
        if (!c->exited && c->pidfd >= 0) {
            pf[np] = (struct pollfd){.fd = c->pidfd, .events = POLLIN};
            who[np].c = c, who[np++].what = 2;
        }
    }
    if (np == 0) {
        if (timeout_ms > 0)
            poll(NULL, 0, timeout_ms);
        return;
    }
    if (poll(pf, np, timeout_ms) <= 0)
        return;
    for (size_t k = 0; k < np; k++) {
        if (pf[k].revents == 0)
            continue;
        struct child *c = who[k].c;
        if (who[k].what == 0 && c->out >= 0)
            drain(&c->out, &c->o);
        else if (who[k].what == 1 && c->err >= 0)
            drain(&c->err, &c->e);
        else if (who[k].what == 2)
            reap(c, 0);
    }
}

int child_wait(struct child *c, double timeout_s, struct child *const *others, size_t nothers)
{
    struct child *all[8] = {c};
    size_t n = 1;
    for (size_t i = 0; i < nothers && n < 8; i++)
        all[n++] = others[i];
    double end = now_s() + timeout_s;
    while (!c->exited) {
        double left = end - now_s();
        if (left <= 0 || proc_interrupted())
            break;
        child_pump(all, n, left > 0.2 ? 200 : (int)(left * 1000) + 1);
    }
    /* What it wrote just before it exited. */
    if (c->out >= 0)
        drain(&c->out, &c->o);
    if (c->err >= 0)
        drain(&c->err, &c->e);
    return c->exited;
}

void child_signal(const struct child *c, int sig)
{
    if (c->pid > 0)
        kill(-c->pid, sig);
}

void child_release(struct child *c)
{
    if (c->pid > 0) {
        kill(-c->pid, SIGKILL); /* the group: also what outlived its leader */
        reap(c, 1);
    }
    if (c->pidfd >= 0)
        close(c->pidfd);
    if (c->out >= 0)
        close(c->out);
    if (c->err >= 0)
        close(c->err);
    free(c->o.s);
    free(c->e.s);
    c->pidfd = c->out = c->err = -1;
    c->o = c->e = (struct capture){0};
    c->pid = -1;
}

void status_text(int status, char *out, size_t cap)
{
    if (WIFEXITED(status))
        snprintf(out, cap, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(out, cap, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(out, cap, "stopped (status 0x%x)", (unsigned)status);
}

void capture_tail(const struct capture *c, char *out, size_t cap)
{
    out[0] = '\0';
    if (c->s == NULL)
        return;
    size_t end = c->len;
    while (end > 0 && (c->s[end - 1] == '\n' || c->s[end - 1] == '\r' || c->s[end - 1] == ' '))
        end--;
    size_t start = end;
    while (start > 0 && c->s[start - 1] != '\n')
        start--;
    snprintf(out, cap, "%.*s", (int)(end - start), c->s + start);
}

/* /proc/<pid>/stat: its process group and thread count; 0 or -1. The
 * command name may hold spaces and parentheses: the fields follow the last ')'. */
static int proc_stat(const char *pid, long *pgrp, long *threads)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%s/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (p == NULL)
        return -1;
    /* After ')': state(3) ppid(4) pgrp(5) ... num_threads(20). */
    long field[20];
    int k = 0;
    char *save;
    for (char *tok = strtok_r(p + 1, " ", &save); tok != NULL && k < 18;
         tok = strtok_r(NULL, " ", &save))
        field[k++] = strtol(tok, NULL, 10);
    if (k < 18)
        return -1;
    *pgrp = field[2];
    *threads = field[17];
    return 0;
}

/* The Pss line of /proc/<pid>/smaps_rollup, in kB; -1 if unreadable. */
static double proc_pss(const char *pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%s/smaps_rollup", pid);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return -1;
    double kb = -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, "Pss:", 4) == 0) {
            kb = strtod(line + 4, NULL);
            break;
        }
    fclose(f);
    return kb;
}

/* This kernel has no /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN
 * is optional): the tree is found by process group instead, which the
 * server's forks share unless they leave it. */
int tree_sample(pid_t pgid, struct tree_sample *s)
{
    *s = (struct tree_sample){0};
    DIR *d = opendir("/proc");
    if (d == NULL)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        long pgrp, threads;
        if (proc_stat(e->d_name, &pgrp, &threads) != 0 || pgrp != pgid)
            continue;
        double kb = proc_pss(e->d_name);
        if (kb < 0)
            continue; /* gone meanwhile, or a zombie */
        s->pss_kb += kb;
        s->procs++;
        s->threads += threads;
    }
    closedir(d);
    return s->procs > 0 ? 0 : -1;
}

/*
 * The server's side of each connection, through sock_diag (netlink): its
 * TCP counters say whether the server ever sent on it. A connection whose
 * socket has received data (a request) but sent none was never answered:
 * still in the kernel's accept queue (never accepted), or accepted and
 * never read. One dump of the established TCP sockets, filtered here by
 * local port (on 10,000 connections: 20,000 sockets, both ends, about
 * 6 MB of messages).
 */
int tcp_unanswered(unsigned port, unsigned char *peers, long *established)
{
    memset(peers, 0, 65536 / 8);
    *established = 0;
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0)
        return -errno;
    struct {
        struct nlmsghdr nlh;
        struct inet_diag_req_v2 r;
    } req = {
        .nlh = {.nlmsg_len = sizeof(req),
                .nlmsg_type = SOCK_DIAG_BY_FAMILY,
                .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP},
        .r = {.sdiag_family = AF_INET,
              .sdiag_protocol = IPPROTO_TCP,
              .idiag_states = 1u << 1, /* TCP_ESTABLISHED */
              .idiag_ext = 1u << (INET_DIAG_INFO - 1)},
    };
    if (send(fd, &req, sizeof(req), 0) != (ssize_t)sizeof(req)) {
        int e = -errno;
        close(fd);
        return e;
    }
    static char buf[1 << 16] __attribute__((aligned(NLMSG_ALIGNTO)));
    int count = 0, rc = 0, done = 0;
    while (!done && rc == 0) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = n < 0 ? -errno : -EIO;
            break;
        }
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
             h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE) {
                done = 1;
                break;
            }
            if (h->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(h);
                rc = e->error < 0 ? e->error : -EIO;
                break;
            }
            const struct inet_diag_msg *m = NLMSG_DATA(h);
            if (ntohs(m->id.idiag_sport) != port)
                continue;
            ++*established;
            int len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
            for (const struct rtattr *a = (const struct rtattr *)(m + 1); RTA_OK(a, len);
                 a = RTA_NEXT(a, len)) {
                const struct tcp_info *ti = RTA_DATA(a);
                if (a->rta_type != INET_DIAG_INFO ||
                    RTA_PAYLOAD(a) < offsetof(struct tcp_info, tcpi_data_segs_out) + 4)
                    continue;
                if (ti->tcpi_data_segs_in > 0 && ti->tcpi_data_segs_out == 0) {
                    unsigned peer = ntohs(m->id.idiag_dport);
                    peers[peer / 8] |= (unsigned char)(1u << (peer % 8));
                    count++;
                }
            }
        }
    }
    close(fd);
    return rc != 0 ? rc : count;
}

long raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return -1;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur == RLIM_INFINITY ? -1 : (long)rl.rlim_cur;
}

void cpus_text(const cpu_set_t *s, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < CPU_SETSIZE; i++) {
        if (!CPU_ISSET(i, s))
            continue;
        int j = i;
        while (j + 1 < CPU_SETSIZE && CPU_ISSET(j + 1, s))
            j++;
        if (len < cap)
            len += (size_t)(j > i ? snprintf(out + len, cap - len, "%s%d-%d", len ? "," : "", i, j)
                                  : snprintf(out + len, cap - len, "%s%d", len ? "," : "", i));
        i = j;
    }
}
