/* options.c: the sanitizer build's defaults, linked into out/asan/airlock only.
 *
 * The integration tests run airlock with environments of their own (often without
 * ASAN_OPTIONS), so the options the sanitized run needs are compiled in:
 *   - reports go to files in AIRLOCK_REPORTS (build.sh fails the run if any is there);
 *     a process that cannot open one (the proxy worker's seccomp allows no open) says
 *     so on stderr and exits 1, which its test sees;
 *   - no leak check at exit: process-lifetime allocations are left to exit by design
 *     (the load benchmark's RSS before and after shows per-connection growth);
 *   - SIGSEGV keeps its default action, so a helper killed by it is reported as killed
 *     by signal 11, as in the shipped binary.
 * ASAN_OPTIONS and UBSAN_OPTIONS, when set, still override these. */
#ifndef AIRLOCK_REPORTS
#error "AIRLOCK_REPORTS (the reports folder) must be defined"
#endif

const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *__asan_default_options(void)
{
	return "log_path=" AIRLOCK_REPORTS "/asan:detect_leaks=0:handle_segv=0";
}

const char *__ubsan_default_options(void)
{
	return "log_path=" AIRLOCK_REPORTS "/ubsan:print_stacktrace=1:halt_on_error=1";
}
