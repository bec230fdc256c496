/*
 * check.h - the whole test framework: checks that print both operands and
 * the place, count failures, and a main() epilogue that turns them into an
 * exit status.
 */
#ifndef WS_CHECK_H
#define WS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;

#define CHECK_FAIL_(fmt, ...)                                                                      \
    do {                                                                                           \
        fprintf(stderr, "%s:%d: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__);                      \
        check_failures++;                                                                          \
    } while (0)

/* Integers of any width, compared as intmax_t / uintmax_t. */
#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);                                           \
        if (a_ != b_)                                                                              \
            CHECK_FAIL_("CHECK_EQ(%s, %s): %jd != %jd", #a, #b, a_, b_);                           \
    } while (0)

#define CHECK_EQU(a, b)                                                                            \
    do {                                                                                           \
        uintmax_t a_ = (uintmax_t)(a), b_ = (uintmax_t)(b);                                        \
        if (a_ != b_)                                                                              \
            CHECK_FAIL_("CHECK_EQU(%s, %s): %ju != %ju", #a, #b, a_, b_);                          \
    } while (0)

#define CHECK_NE(a, b)                                                                             \
    do {                                                                                           \
        intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);                                           \
        if (a_ == b_)                                                                              \
            CHECK_FAIL_("CHECK_NE(%s, %s): both %jd", #a, #b, a_);                                 \
    } while (0)

#define CHECK_LE(a, b)                                                                             \
    do {                                                                                           \
        intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);                                           \
        if (!(a_ <= b_))                                                                           \
            CHECK_FAIL_("CHECK_LE(%s, %s): %jd > %jd", #a, #b, a_, b_);                            \
    } while (0)

#define CHECK_STREQ(a, b)                                                                          \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                                       \
            CHECK_FAIL_("CHECK_STREQ(%s, %s): \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)",       \
                        b_ ? b_ : "(null)");                                                       \
    } while (0)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            CHECK_FAIL_("CHECK(%s) failed", #cond);                                                \
    } while (0)

/* Stop now: the rest of the test cannot run meaningfully. */
#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: REQUIRE(%s) failed\n", __FILE__, __LINE__, #cond);             \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static inline int check_report(const char *name)
{
    if (check_failures) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}

#endif /* WS_CHECK_H */
