/* log.h: airlock's messages on stderr.
 *
 * Every line airlock writes starts with "airlock: ". Messages never contain a secret's
 * real value: callers pass names and placeholders only.
 */
#ifndef AIRLOCK_LOG_H
#define AIRLOCK_LOG_H

#include <stddef.h>

/* Exit statuses shared by `init` and `sandbox-exec` (spec section 1). */
enum {
	EXIT_AIRLOCK = 125,      /* airlock itself could not do what was asked */
	EXIT_NOT_EXECUTABLE = 126,
	EXIT_NOT_FOUND = 127,
};

/* Set by -v: log_verbose() prints only when it is non-zero. */
extern int log_verbosity;

/* Prints "airlock: " + the formatted message + newline to stderr, in one write. */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same, only with -v. */
void log_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes a sentence into a caller's error buffer (err may be NULL, errlen 0), the way
 * modules report failures to their callers. */
void log_format(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prints the message and exits 125: for failures before CMD runs. */
_Noreturn void log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
