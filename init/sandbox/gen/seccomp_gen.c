/* seccomp_gen: writes the sandbox's seccomp filter as a C array, at build time.
 *
 *   seccomp_gen > seccomp_program.h
 *
 * Compiles the rules of init/sandbox/seccomp_rules.c (the sandbox's) and seccomp_worker.c
 * (the proxy worker's) with the libseccomp it is linked with
 * and prints the BPF program, so that the binary loads a constant instead of compiling
 * the filter at every start (about a quarter of sandbox-exec's start-up before). Built
 * and run by airlock.mk; not part of the airlock binary.
 */
#include "init/sandbox/seccomp_rules.h"

#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>

static void print(const char *array, const char *from, const struct seccomp_program *p)
{
	const struct scmp_version *v = seccomp_version();
	printf("/* Generated at build time by init/sandbox/gen/seccomp_gen.c from the %d rules of\n"
	       " * %s, compiled by libseccomp %u.%u.%u: do not edit. */\n"
	       "static const struct sock_filter %s[%zu] = {\n",
	       p->rules, from, v->major, v->minor, v->micro, array, p->len);
	for (size_t i = 0; i < p->len; i++)
		printf("\t{0x%02x, %u, %u, 0x%08x},\n", p->insns[i].code, p->insns[i].jt,
		       p->insns[i].jf, p->insns[i].k);
	printf("};\n");
}

int main(void)
{
	struct seccomp_program p, u, g, w;
	char err[256];
	if (seccomp_export(-1, &p, err, sizeof err) != 0 ||
	    seccomp_export_unprivileged(-1, &u, err, sizeof err) != 0 ||
	    seccomp_export_guarded(-1, &g, err, sizeof err) != 0 ||
	    seccomp_export_worker(&w, err, sizeof err) != 0) {
		fprintf(stderr, "seccomp_gen: %s\n", err);
		return 1;
	}
	print("seccomp_builtin_insns", "init/sandbox/seccomp_rules.c", &p);
	print("seccomp_unprivileged_insns", "init/sandbox/seccomp_rules.c (isolation "
	      "unprivileged)", &u);
	print("seccomp_guarded_insns", "init/sandbox/seccomp_rules.c (the namespace modes' "
	      "UNIX socket guard)", &g);
	print("seccomp_worker_insns", "init/sandbox/seccomp_worker.c", &w);
	free(p.insns);
	free(u.insns);
	free(g.insns);
	free(w.insns);
	return fflush(stdout) == 0 ? 0 : 1;
}
