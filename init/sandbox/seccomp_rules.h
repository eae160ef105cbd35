/* seccomp_rules.h: the rules of the sandbox's system-call filter, compiled by
 * libseccomp. The binary does not call this at run time: the build compiles the rules
 * once into a constant program (init/sandbox/gen/seccomp_gen.c) that seccomp_filter.c loads;
 * the tests call it to check that constant and every rule. */
#ifndef AIRLOCK_SECCOMP_RULES_H
#define AIRLOCK_SECCOMP_RULES_H

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

/* A compiled filter: `len` classic-BPF instructions (malloc'd), and the number of rules
 * the filter was made from. */
struct seccomp_program {
	struct sock_filter *insns;
	size_t len;
	int rules;
};

/* Compiles the deny-list filter of spec section 3 (x86_64 with its i386 and x32 ABIs;
 * any other architecture is killed) into `out`, leaving out the rule at position `skip`
 * (-1 for none; positions run from 0 to out->rules - 1) so that a test can show that
 * every rule matters. The caller frees out->insns. Returns 0, or -1 with a sentence in
 * `err`. */
int seccomp_export(int skip, struct seccomp_program *out, char *err, size_t errlen);

/* The same filter for isolation unprivileged, with its rules after the others:
 * connect() is handed to the supervisor (SECCOMP_RET_USER_NOTIF), IPv4 and IPv6 sockets
 * are TCP only, UNIX datagram sockets and TCP Fast Open are refused. Same conventions. */
int seccomp_export_unprivileged(int skip, struct seccomp_program *out, char *err,
				size_t errlen);

/* The same filter for the namespace modes with the UNIX socket guard: the deny list,
 * then connect() handed to the sandbox's reaper (SECCOMP_RET_USER_NOTIF). Same
 * conventions. */
int seccomp_export_guarded(int skip, struct seccomp_program *out, char *err,
			   size_t errlen);

/* The allow-list filter of the proxy worker (init/privsep.c): only the calls its event
 * loop, resolver threads and the lazy loading of the system trust store make; every
 * other call fails with EPERM, and other architectures are killed. Same conventions. */
int seccomp_export_worker(struct seccomp_program *out, char *err, size_t errlen);

/* A libseccomp context with `default_action`, other architectures killed, no_new_privs
 * set and the tree optimisation on; NULL with a sentence in err. */
void *seccomp_new_ctx(uint32_t default_action, char *err, size_t errlen);

/* Exports the libseccomp context `ctx` (a scmp_filter_ctx, released here) as BPF. */
int seccomp_export_ctx(void *ctx, struct seccomp_program *out, char *err, size_t errlen);

#endif
