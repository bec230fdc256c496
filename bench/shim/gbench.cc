// gbench.cc - the C shim over Google Benchmark 1.7 (see gbench.h).
//
// How the pieces fit:
//  - Each C table entry becomes a gbench family with one instance, whose
//    function is a lambda that wraps the C function: it prints the progress
//    line on the first call for that benchmark, hands the C function a
//    bench_state, and afterwards turns a C function that left its loop early
//    into an error run (gbench itself would abort).
//  - bench_run() passes gbench a reporter that forwards everything to gbench's
//    own display reporter (so --benchmark_format, colour and tabular output
//    are untouched; --benchmark_out makes gbench build its file reporter as
//    usual), and then prints the progress result and calls the C callback.
//  - "[k/N]" needs N, the number of benchmarks that pass the filter, before
//    the first one runs. gbench computes it only inside RunSpecifiedBenchmarks,
//    so bench_run() first runs it in --benchmark_list_tests mode into a
//    string sink, then restores the two flags it changed. gbench flags can be
//    set only through Initialize(); see count_matching().
//
// No C++ exception crosses into C: every extern "C" function catches.

#include "gbench.h"

#include <benchmark/benchmark.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <iostream>
#include <map>
#include <memory>
#include <new>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

struct bench_state {
    benchmark::State *st;
    const char *name;
    bool started; // bench_keep_running*() has returned 1 at least once
    bool done;    // bench_keep_running*() has returned 0
    bool paused;  // bench_pause() without bench_resume()
};

namespace
{

struct Entry {
    std::string name;
    bench_fn fn;
    void *user;
};

// The current bench_run(), or nullptr outside one.
struct Run {
    bench_run_opts opts{};
    FILE *progress = nullptr;                      // nullptr when quiet
    size_t total = 0;                              // N of "[k/N]"
    size_t started = 0;                            // k of the latest benchmark to start
    std::unordered_map<std::string, size_t> order; // name -> its k
    std::set<std::string> ended;                   // names whose result line is out
    bench_summary summary{};
};

std::vector<std::unique_ptr<Entry>> g_entries;
std::set<std::string> g_names;
Run *g_run = nullptr;

// argv[0] for every Initialize() call: gbench keeps the pointer as the
// executable's name in its context, so it must stay valid (see bench_init()).
std::string g_argv0 = "wsbench";
// The last --benchmark_list_tests[=..] and --benchmark_out=.. that gbench
// took from the caller's arguments, verbatim ("" if none), to restore after
// the counting pass.
std::string g_list_arg, g_out_arg;

bool has_prefix(const char *s, const char *prefix)
{
    return std::strncmp(s, prefix, std::strlen(prefix)) == 0;
}

// gbench 1.7's "--flag" / "--flag=value" match (IsFlag/ParseFlagValue).
bool is_flag(const char *arg, const char *flag)
{
    size_t n = std::strlen(flag);
    return std::strncmp(arg, flag, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

bool one_of(const std::string &v, std::initializer_list<const char *> ok)
{
    for (const char *o : ok)
        if (v == o)
            return true;
    return false;
}

// A whole decimal number that is finite and >= lo.
bool number_at_least(const std::string &v, double lo)
{
    const char *p = v.c_str();
    char *end = nullptr;
    errno = 0;
    double d = std::strtod(p, &end);
    return end != p && *end == '\0' && errno == 0 && std::isfinite(d) && d >= lo;
}

// The flags whose invalid values make gbench print its help and exit(0),
// or which gbench takes without complaint and then misbehaves on (a negative
// repetition count throws from deep inside; a negative time is used as is):
// returns false for such an argument, or for such an environment value.
bool flag_value_ok(const char *flag, const std::string &v)
{
    if (!std::strcmp(flag, "--benchmark_repetitions"))
        return number_at_least(v, 1) && v.find_first_not_of("0123456789") == std::string::npos &&
               v.size() <= 9;
    if (!std::strcmp(flag, "--benchmark_min_time") ||
        !std::strcmp(flag, "--benchmark_min_warmup_time"))
        return number_at_least(v, 0);
    if (!std::strcmp(flag, "--benchmark_format") || !std::strcmp(flag, "--benchmark_out_format"))
        return one_of(v, {"console", "json", "csv"});
    if (!std::strcmp(flag, "--benchmark_time_unit"))
        return one_of(v, {"", "ns", "us", "ms", "s"});
    if (!std::strcmp(flag, "--benchmark_color"))
        return !v.empty();
    return true;
}

const char *const k_checked_flags[][2] = {
    {"--benchmark_format", "BENCHMARK_FORMAT"},
    {"--benchmark_out_format", "BENCHMARK_OUT_FORMAT"},
    {"--benchmark_time_unit", "BENCHMARK_TIME_UNIT"},
    {"--benchmark_color", "BENCHMARK_COLOR"},
    {"--benchmark_repetitions", "BENCHMARK_REPETITIONS"},
    {"--benchmark_min_time", "BENCHMARK_MIN_TIME"},
    {"--benchmark_min_warmup_time", "BENCHMARK_MIN_WARMUP_TIME"},
};

// Returns false if arg is one of the checked flags with an invalid value.
bool arg_ok(const char *arg)
{
    for (const auto &f : k_checked_flags) {
        size_t n = std::strlen(f[0]);
        if (std::strncmp(arg, f[0], n) == 0 && arg[n] == '=')
            return flag_value_ok(f[0], arg + n + 1);
    }
    return true;
}

// benchmark::Initialize(), except that every call of it re-adds each
// --benchmark_context pair it has ever parsed and warns that it exists: parse
// into an empty context, then put back the earlier pairs the command line
// does not set (its value wins).
void initialize_argv(int *argc, char **argv)
{
    using Context = std::map<std::string, std::string>;
    Context *&ctx = benchmark::internal::GetGlobalContext();
    std::unique_ptr<Context> old(ctx);
    ctx = nullptr;
    try {
        benchmark::Initialize(argc, argv);
        if (old != nullptr) {
            if (ctx == nullptr)
                ctx = new Context;
            ctx->insert(old->begin(), old->end()); // keeps the keys just parsed
        }
    } catch (...) {
        if (ctx == nullptr)
            ctx = old.release();
        throw;
    }
}

// An argv for Initialize(): our argv[0], then args (which must outlive it), then NULL.
std::vector<char *> make_argv(std::vector<std::string> &args)
{
    std::vector<char *> argv;
    argv.push_back(&g_argv0[0]);
    for (auto &a : args)
        argv.push_back(&a[0]);
    argv.push_back(nullptr);
    return argv;
}

// Initialize() on args, with our argv[0].
void initialize(const std::vector<std::string> &args)
{
    std::vector<std::string> copies(args);
    std::vector<char *> argv = make_argv(copies);
    int argc = static_cast<int>(argv.size()) - 1;
    initialize_argv(&argc, argv.data());
}

std::string env_or(const char *name, const char *dflt)
{
    const char *v = std::getenv(name);
    return v != nullptr ? v : dflt;
}

// A reporter that swallows everything (the counting pass).
class Sink final : public benchmark::BenchmarkReporter
{
  public:
    bool ReportContext(const Context &) override
    {
        return true;
    }
    void ReportRuns(const std::vector<Run> &) override {}
};

// The number of benchmarks that pass the current --benchmark_filter: a
// --benchmark_list_tests pass into a sink (with --benchmark_out cleared, so
// the user's file is not opened twice), then both flags back to the values
// the user gave, or else gbench's defaults (from its environment variables).
size_t count_matching()
{
    struct Restore {
        ~Restore()
        {
            try {
                std::vector<std::string> args = {"--benchmark_list_tests=" +
                                                     env_or("BENCHMARK_LIST_TESTS", "false"),
                                                 "--benchmark_out=" + env_or("BENCHMARK_OUT", "")};
                if (!g_list_arg.empty())
                    args.push_back(g_list_arg);
                if (!g_out_arg.empty())
                    args.push_back(g_out_arg);
                initialize(args);
            } catch (...) {
                // Out of memory: the two flags may keep the counting values.
            }
        }
    } restore;
    initialize({"--benchmark_list_tests=true", "--benchmark_out="});
    std::ostringstream out;
    Sink sink;
    sink.SetOutputStream(&out);
    sink.SetErrorStream(&out);
    return benchmark::RunSpecifiedBenchmarks(&sink);
}

// "1.52 ms" from nanoseconds.
std::string fmt_ns(double ns)
{
    static const struct {
        double scale;
        const char *unit;
    } units[] = {{1e9, "s"}, {1e6, "ms"}, {1e3, "us"}, {1, "ns"}};
    char buf[64];
    for (const auto &u : units) {
        if (std::fabs(ns) >= u.scale || u.scale == 1) {
            std::snprintf(buf, sizeof buf, "%.3g %s", ns / u.scale, u.unit);
            break;
        }
    }
    return buf;
}

using GRun = benchmark::BenchmarkReporter::Run;

double per_iteration_ns(double accumulated_s, const GRun &r)
{
    if (r.run_type == GRun::RT_Aggregate && r.aggregate_unit == benchmark::kPercentage)
        return accumulated_s; // a ratio, not a time
    double ns = accumulated_s * 1e9;
    return r.iterations != 0 ? ns / static_cast<double>(r.iterations) : ns;
}

void progress_start(const std::string &name)
{
    if (g_run == nullptr || g_run->progress == nullptr || g_run->order.count(name))
        return;
    size_t k = ++g_run->started;
    g_run->order.emplace(name, k);
    std::cout.flush(); // gbench's rows so far, before our line
    std::fflush(stdout);
    std::fprintf(g_run->progress, "[%zu/%zu] %s ...\n", k, g_run->total, name.c_str());
    std::fflush(g_run->progress);
}

void progress_end(const std::vector<GRun> &runs)
{
    if (g_run == nullptr || g_run->progress == nullptr || runs.empty())
        return;
    const std::string &name = runs[0].run_name.function_name;
    if (!g_run->ended.insert(name).second)
        return; // the aggregates after the repetitions
    auto it = g_run->order.find(name);
    size_t k = it != g_run->order.end() ? it->second : 0;
    std::string what;
    const GRun *first_error = nullptr;
    for (const auto &r : runs)
        if (r.error_occurred && first_error == nullptr)
            first_error = &r;
    if (first_error != nullptr) {
        what = "ERROR: " + first_error->error_message;
    } else if (runs[0].run_type == GRun::RT_Aggregate) {
        for (const auto &r : runs) // aggregates only: show the median
            if (r.aggregate_name == "median")
                what = "median " + fmt_ns(per_iteration_ns(r.real_accumulated_time, r)) +
                       " real, " + fmt_ns(per_iteration_ns(r.cpu_accumulated_time, r)) +
                       " cpu per iteration over " + std::to_string(r.repetitions) + " repetitions";
    } else if (runs.size() == 1) {
        const GRun &r = runs[0];
        what = fmt_ns(per_iteration_ns(r.real_accumulated_time, r)) + " real, " +
               fmt_ns(per_iteration_ns(r.cpu_accumulated_time, r)) + " cpu per iteration (" +
               std::to_string(r.iterations) + " iterations)";
    } else {
        double lo = HUGE_VAL, hi = 0;
        for (const auto &r : runs) {
            double t = per_iteration_ns(r.real_accumulated_time, r);
            lo = std::fmin(lo, t);
            hi = std::fmax(hi, t);
        }
        what = fmt_ns(lo) + " .. " + fmt_ns(hi) + " real per iteration over " +
               std::to_string(runs.size()) + " repetitions";
    }
    std::cout.flush();
    std::fflush(stdout);
    std::fprintf(g_run->progress, "[%zu/%zu] %s: %s\n", k, g_run->total, name.c_str(),
                 what.c_str());
    std::fflush(g_run->progress);
}

void deliver(const std::vector<GRun> &runs)
{
    for (const auto &r : runs) {
        if (r.run_type == GRun::RT_Iteration) {
            g_run->summary.runs++;
            g_run->summary.errors += r.error_occurred ? 1 : 0;
        }
        if (g_run->opts.on_result == nullptr)
            continue;
        std::vector<bench_counter_value> counters;
        counters.reserve(r.counters.size());
        for (const auto &c : r.counters) // std::map: sorted by name
            counters.push_back({c.first.c_str(), c.second.value});
        const std::string run_name = r.benchmark_name();
        bench_result res{};
        res.name = r.run_name.function_name.c_str();
        res.run_name = run_name.c_str();
        res.aggregate = r.run_type == GRun::RT_Aggregate ? r.aggregate_name.c_str() : "";
        res.aggregate_is_ratio =
            r.run_type == GRun::RT_Aggregate && r.aggregate_unit == benchmark::kPercentage;
        res.real_ns = per_iteration_ns(r.real_accumulated_time, r);
        res.cpu_ns = per_iteration_ns(r.cpu_accumulated_time, r);
        res.iterations = r.iterations;
        res.repetition = r.run_type == GRun::RT_Aggregate ? -1 : r.repetition_index;
        res.repetitions = r.repetitions;
        res.error = r.error_occurred ? r.error_message.c_str() : nullptr;
        res.label = r.report_label.c_str();
        res.ncounters = counters.size();
        res.counters = counters.data();
        g_run->opts.on_result(&res, g_run->opts.user);
    }
}

// Forwards to gbench's display reporter, then adds progress and the callback.
class Tap final : public benchmark::BenchmarkReporter
{
  public:
    explicit Tap(benchmark::BenchmarkReporter *inner) : inner_(inner) {}
    bool ReportContext(const Context &context) override
    {
        return inner_->ReportContext(context);
    }
    void ReportRuns(const std::vector<GRun> &runs) override
    {
        inner_->ReportRuns(runs);
        progress_end(runs);
        deliver(runs);
    }
    void Finalize() override
    {
        inner_->Finalize();
    }

  private:
    benchmark::BenchmarkReporter *inner_;
};

// The gbench function of a C entry.
void run_entry(const Entry *e, benchmark::State &st)
{
    progress_start(e->name);
    bench_state s{&st, e->name.c_str(), false, false, false};
    e->fn(&s, e->user);
    if (!s.done && !st.error_occurred())
        st.SkipWithError(s.started ? "the benchmark returned before bench_keep_running() "
                                     "returned 0"
                                   : "the benchmark returned without running its loop "
                                     "(bench_keep_running())");
}

int validate(const bench_def &d, std::set<std::string> &seen)
{
    if (d.name == nullptr || d.name[0] == '\0' || d.fn == nullptr)
        return -EINVAL;
    if (!(d.min_time >= 0) || !std::isfinite(d.min_time) || !(d.min_warmup_time >= 0) ||
        !std::isfinite(d.min_warmup_time) || d.iterations < 0 || d.repetitions < 0)
        return -EINVAL;
    if (d.iterations > 0 && d.min_time > 0)
        return -EINVAL; // gbench: Iterations() excludes MinTime()
    if (g_names.count(d.name) || !seen.insert(d.name).second)
        return -EEXIST;
    return 0;
}

// Runs f; an exception (only std::bad_alloc can come) becomes -ENOMEM.
template <class F> int no_throw(F &&f)
{
    try {
        f();
    } catch (...) {
        return -ENOMEM;
    }
    return 0;
}

bool usable(const bench_state *s)
{
    return s != nullptr && s->st != nullptr;
}

} // namespace

// ---- Inside a benchmark -----------------------------------------------------

extern "C" int bench_keep_running_batch(bench_state *s, int64_t n)
{
    if (!usable(s) || s->done)
        return 0;
    benchmark::State &st = *s->st;
    if (n <= 0 && !st.error_occurred())
        st.SkipWithError("bench_keep_running_batch: the batch size must be > 0");
    if (s->paused && !st.error_occurred()) {
        st.ResumeTiming(); // gbench stops a running timer when the loop ends
        s->paused = false;
    }
    bool more = n == 1 ? st.KeepRunning() : st.KeepRunningBatch(n > 0 ? n : 1);
    if (more)
        s->started = true;
    else
        s->done = true;
    return more ? 1 : 0;
}

extern "C" int bench_keep_running(bench_state *s)
{
    return bench_keep_running_batch(s, 1);
}

extern "C" int64_t bench_max_iterations(const bench_state *s)
{
    return usable(s) ? s->st->max_iterations : 0;
}

extern "C" int64_t bench_iterations(const bench_state *s)
{
    return usable(s) ? s->st->iterations() : 0;
}

extern "C" const char *bench_name(const bench_state *s)
{
    return usable(s) ? s->name : "";
}

extern "C" int bench_pause(bench_state *s)
{
    if (!usable(s) || !s->started || s->done || s->paused || s->st->error_occurred())
        return -EINVAL;
    s->st->PauseTiming();
    s->paused = true;
    return 0;
}

extern "C" int bench_resume(bench_state *s)
{
    if (!usable(s) || !s->paused || s->done || s->st->error_occurred())
        return -EINVAL;
    s->st->ResumeTiming();
    s->paused = false;
    return 0;
}

extern "C" int bench_skip_with_error(bench_state *s, const char *msg)
{
    if (!usable(s))
        return -EINVAL;
    return no_throw([&] { s->st->SkipWithError(msg != nullptr ? msg : "error"); });
}

extern "C" int bench_counter(bench_state *s, const char *name, double value, unsigned flags)
{
    const unsigned known = BENCH_COUNTER_RATE | BENCH_COUNTER_AVG_THREADS |
                           BENCH_COUNTER_ITERATION_INVARIANT | BENCH_COUNTER_PER_ITERATION |
                           BENCH_COUNTER_INVERT | BENCH_COUNTER_KIBI;
    if (!usable(s) || name == nullptr || name[0] == '\0' || (flags & ~known) || std::isnan(value))
        return -EINVAL;
    using C = benchmark::Counter;
    C::Flags f = C::kDefaults;
    if (flags & BENCH_COUNTER_RATE)
        f = f | C::kIsRate;
    if (flags & BENCH_COUNTER_AVG_THREADS)
        f = f | C::kAvgThreads;
    if (flags & BENCH_COUNTER_ITERATION_INVARIANT)
        f = f | C::kIsIterationInvariant;
    if (flags & BENCH_COUNTER_PER_ITERATION)
        f = f | C::kAvgIterations;
    if (flags & BENCH_COUNTER_INVERT)
        f = f | C::kInvert;
    auto onek = (flags & BENCH_COUNTER_KIBI) ? C::kIs1024 : C::kIs1000;
    return no_throw([&] { s->st->counters[name] = C(value, f, onek); });
}

extern "C" int bench_set_items_processed(bench_state *s, int64_t items)
{
    if (!usable(s) || items < 0)
        return -EINVAL;
    return no_throw([&] { s->st->SetItemsProcessed(items); });
}

extern "C" int bench_set_bytes_processed(bench_state *s, int64_t bytes)
{
    if (!usable(s) || bytes < 0)
        return -EINVAL;
    return no_throw([&] { s->st->SetBytesProcessed(bytes); });
}

extern "C" int bench_set_iteration_time(bench_state *s, double seconds)
{
    if (!usable(s) || !(seconds >= 0) || !std::isfinite(seconds))
        return -EINVAL;
    s->st->SetIterationTime(seconds);
    return 0;
}

extern "C" int bench_set_label(bench_state *s, const char *label)
{
    if (!usable(s) || label == nullptr)
        return -EINVAL;
    return no_throw([&] { s->st->SetLabel(label); });
}

// ---- Registration and running -------------------------------------------------

extern "C" int bench_register(const struct bench_def *defs, size_t n)
{
    if (g_run != nullptr)
        return -EBUSY;
    if (defs == nullptr && n > 0)
        return -EINVAL;
    try {
        std::set<std::string> seen;
        for (size_t i = 0; i < n; i++)
            if (int rc = validate(defs[i], seen))
                return rc;
        for (size_t i = 0; i < n; i++) {
            const bench_def &d = defs[i];
            g_entries.push_back(std::unique_ptr<Entry>(new Entry{d.name, d.fn, d.user}));
            const Entry *e = g_entries.back().get();
            g_names.insert(e->name);
            auto *b = benchmark::RegisterBenchmark(e->name.c_str(),
                                                   [e](benchmark::State &st) { run_entry(e, st); });
            if (d.use_manual_time)
                b->UseManualTime();
            else
                b->UseRealTime();
            b->MeasureProcessCPUTime();
            if (d.min_time > 0)
                b->MinTime(d.min_time);
            if (d.min_warmup_time > 0)
                b->MinWarmUpTime(d.min_warmup_time);
            if (d.iterations > 0)
                b->Iterations(d.iterations);
            if (d.repetitions > 0)
                b->Repetitions(d.repetitions);
        }
    } catch (...) {
        return -ENOMEM;
    }
    return 0;
}

extern "C" int bench_init(int *argc, char **argv)
{
    if (argc == nullptr || argv == nullptr || *argc < 1 || argv[0] == nullptr)
        return -EINVAL;
    if (g_run != nullptr)
        return -EBUSY;
    try {
        // A checked flag's effective value from the environment, if no
        // argument sets it, must be valid or gbench exits.
        for (const auto &f : k_checked_flags) {
            const char *env = std::getenv(f[1]);
            bool overridden = false;
            for (int i = 1; i < *argc; i++)
                overridden |= argv[i] != nullptr && has_prefix(argv[i], f[0]) &&
                              argv[i][std::strlen(f[0])] == '=' && arg_ok(argv[i]);
            if (env != nullptr && !overridden && !flag_value_ok(f[0], env))
                return -EINVAL;
        }
        // What gbench may see: all but --help and bad values of checked
        // flags. It takes its flags from copies; their addresses tell which
        // it took even if two arguments are equal.
        std::vector<std::string> offered;
        std::vector<int> offered_index;
        for (int i = 1; i < *argc; i++) {
            if (argv[i] == nullptr)
                return -EINVAL;
            if (is_flag(argv[i], "--help") || !arg_ok(argv[i]))
                continue;
            offered.push_back(argv[i]);
            offered_index.push_back(i);
        }
        g_argv0 = argv[0];
        std::vector<char *> av = make_argv(offered);
        int ac = static_cast<int>(av.size()) - 1;
        std::vector<char *> before(av.begin() + 1, av.end() - 1);
        initialize_argv(&ac, av.data());
        std::set<char *> left(av.begin() + 1, av.begin() + ac);
        std::vector<bool> keep(static_cast<size_t>(*argc), true);
        for (size_t k = 0; k < before.size(); k++) {
            if (left.count(before[k]))
                continue; // gbench did not take it
            keep[static_cast<size_t>(offered_index[k])] = false;
            const std::string &a = offered[k];
            if (is_flag(a.c_str(), "--benchmark_list_tests"))
                g_list_arg = a;
            else if (has_prefix(a.c_str(), "--benchmark_out="))
                g_out_arg = a;
        }
        int out = 1;
        for (int i = 1; i < *argc; i++)
            if (keep[static_cast<size_t>(i)])
                argv[out++] = argv[i];
        if (out < *argc)
            argv[out] = nullptr; // argv[*argc] itself is main's NULL
        *argc = out;
    } catch (...) {
        return -ENOMEM;
    }
    return 0;
}

extern "C" void bench_print_flags_help(void)
{
    benchmark::PrintDefaultHelp();
}

extern "C" int bench_add_context(const char *key, const char *value)
{
    if (key == nullptr || key[0] == '\0' || value == nullptr)
        return -EINVAL;
    if (g_run != nullptr)
        return -EBUSY;
    try {
        auto *ctx = benchmark::internal::GetGlobalContext();
        if (ctx != nullptr && ctx->count(key))
            return -EEXIST;
        benchmark::AddCustomContext(key, value);
    } catch (...) {
        return -ENOMEM;
    }
    return 0;
}

extern "C" int bench_run(const struct bench_run_opts *opts, struct bench_summary *out)
{
    if (g_run != nullptr)
        return -EBUSY;
    int rc = 0;
    try {
        // gbench exit(1)s on an --benchmark_out it cannot open: check first.
        std::string out_path = env_or("BENCHMARK_OUT", "");
        if (!g_out_arg.empty())
            out_path = g_out_arg.substr(std::strlen("--benchmark_out="));
        if (!out_path.empty()) {
            FILE *f = std::fopen(out_path.c_str(), "a");
            if (f == nullptr)
                return errno != 0 ? -errno : -EIO;
            std::fclose(f);
        }
        Run run;
        if (opts != nullptr)
            run.opts = *opts;
        if (!run.opts.quiet) {
            run.progress = run.opts.progress != nullptr ? run.opts.progress : stderr;
            run.total = count_matching();
        }
        // gbench's default display reporter (it follows --benchmark_format
        // and --benchmark_color); gbench owns it.
        Tap tap(benchmark::CreateDefaultDisplayReporter());
        g_run = &run;
        struct Clear {
            ~Clear()
            {
                g_run = nullptr;
            }
        } clear;
        run.summary.matched = benchmark::RunSpecifiedBenchmarks(&tap);
        if (out != nullptr)
            *out = run.summary;
    } catch (...) {
        rc = -ENOMEM;
    }
    return rc;
}

extern "C" void bench_shutdown(void)
{
    if (g_run != nullptr)
        return;
    benchmark::ClearRegisteredBenchmarks();
    g_entries.clear();
    g_names.clear();
    // gbench's own Shutdown() deletes the context map but keeps the pointer.
    auto *&ctx = benchmark::internal::GetGlobalContext();
    delete ctx;
    ctx = nullptr;
}
