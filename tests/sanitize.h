/*
 * sanitize.h - the one test of whether a test runs under a sanitizer, for
 * every test here (gcc says so with __SANITIZE_ADDRESS__ and
 * __SANITIZE_THREAD__, clang with __has_feature). UBSan alone changes
 * nothing a test must skip, and neither compiler announces it.
 *
 *   WS_TEST_TSAN       ThreadSanitizer
 *   WS_TEST_ASAN       AddressSanitizer (and LeakSanitizer with it)
 *   WS_TEST_SANITIZED  either: slow, and some limits (RLIMIT_AS, fork from
 *                      a threaded process) behave differently
 */
#ifndef WS_TEST_SANITIZE_H
#define WS_TEST_SANITIZE_H

#if defined(__has_feature)
#define WS_TEST_HAS_FEATURE_(x) __has_feature(x)
#else
#define WS_TEST_HAS_FEATURE_(x) 0
#endif

#if defined(__SANITIZE_THREAD__) || WS_TEST_HAS_FEATURE_(thread_sanitizer)
#define WS_TEST_TSAN 1
#else
#define WS_TEST_TSAN 0
#endif

#if defined(__SANITIZE_ADDRESS__) || WS_TEST_HAS_FEATURE_(address_sanitizer)
#define WS_TEST_ASAN 1
#else
#define WS_TEST_ASAN 0
#endif

#define WS_TEST_SANITIZED (WS_TEST_TSAN || WS_TEST_ASAN)

#endif /* WS_TEST_SANITIZE_H */
