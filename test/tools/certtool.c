/* certtool: drives the certificate code from the command line so that integration tests
 * can check its output with real tools (openssl, Python's ssl, curl).
 *
 *   certtool mint OUTDIR [--now EPOCH] ALLOW... [-- HOST...]
 *       Makes a sandbox CA constrained to the ALLOW entries ("host", "*.suffix" or an IP
 *       literal, as in a policy's allow) and mints a leaf for each HOST (which need not
 *       be allowed: that is how tests show the constraints at work). Writes
 *       OUTDIR/ca.pem, OUTDIR/key.pem (the leaf key, PKCS#8: tests only; airlock never
 *       writes a key), OUTDIR/HOST.pem and OUTDIR/HOST.chain.pem (leaf + CA).
 *   certtool trust [--system] [FILE...]
 *       Loads trust anchors (with --system: SSL_CERT_FILE or the system bundle first)
 *       and prints "anchors N unusable M", or the error and exit status 1.
 *   certtool bench N
 *       Mints N leaves and prints the time per leaf.
 *   certtool bench-sign N
 *       Times N bare ECDSA P-256 signatures with BearSSL: the floor of minting.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proxy/tls/cert.h"
#include "proxy/tls/pem.h"
#include "proxy/tls/trust.h"

static int usage(void)
{
	fprintf(stderr, "usage: certtool mint OUTDIR [--now EPOCH] ALLOW... [-- HOST...]\n"
			"       certtool trust [--system] [FILE...]\n"
			"       certtool bench N | bench-sign N\n");
	return 2;
}

static int write_file(const char *dir, const char *name, const char *suffix, const char *a,
		      const char *b)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s%s", dir, name, suffix);
	FILE *f = fopen(path, "w");
	if (!f || fputs(a, f) < 0 || (b && fputs(b, f) < 0) || fclose(f) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

/* The leaf key as PKCS#8 PEM, for Python's ssl server in the tests. */
static int write_key(const char *dir, const struct ca *ca)
{
	unsigned char der[512];
	char pem[1024];
	size_t n = br_encode_ec_pkcs8_der(der, ca_leaf_key(ca), &ca->leaf_pub);
	if (n == 0 || pem_encode(pem, sizeof pem, "PRIVATE KEY", der, n) == 0) {
		fprintf(stderr, "certtool: cannot encode the leaf key\n");
		return -1;
	}
	explicit_bzero(der, sizeof der);
	int r = write_file(dir, "key", ".pem", pem, NULL);
	explicit_bzero(pem, sizeof pem);
	return r;
}

static int cmd_mint(int argc, char **argv)
{
	if (argc < 1)
		return usage();
	const char *dir = argv[0];
	time_t now = time(NULL);
	struct ca_name names[CA_MAX_NAMES];
	size_t n = 0;
	int i = 1;
	if (i + 1 < argc && strcmp(argv[i], "--now") == 0) {
		now = (time_t)strtoll(argv[i + 1], NULL, 10);
		i += 2;
	}
	for (; i < argc && strcmp(argv[i], "--") != 0 && n < CA_MAX_NAMES; i++) {
		unsigned char ip[16];
		size_t iplen;
		const char *a = argv[i];
		if (strncmp(a, "*.", 2) == 0)
			names[n++] = (struct ca_name){a + 2, CA_NAME_SUBDOMAINS};
		else if (cert_parse_ip(a, ip, &iplen))
			names[n++] = (struct ca_name){a, CA_NAME_IP};
		else
			names[n++] = (struct ca_name){a, CA_NAME_HOST};
	}
	static struct ca ca;
	char err[512];
	if (ca_generate(&ca, names, n, now, err, sizeof err) < 0) {
		fprintf(stderr, "certtool: %s\n", err);
		return 1;
	}
	static char ca_pem[50000];
	if (ca_cert_pem(&ca, ca_pem, sizeof ca_pem) == 0 ||
	    write_file(dir, "ca", ".pem", ca_pem, NULL) < 0 || write_key(dir, &ca) < 0)
		return 1;
	for (i++; i < argc; i++) {
		unsigned char leaf[LEAF_CERT_MAX];
		size_t len;
		char pem[4096];
		if (leaf_mint(&ca, argv[i], now, leaf, sizeof leaf, &len, NULL, err, sizeof err) < 0) {
			fprintf(stderr, "certtool: %s\n", err);
			return 1;
		}
		if (pem_encode(pem, sizeof pem, "CERTIFICATE", leaf, len) == 0 ||
		    write_file(dir, argv[i], ".pem", pem, NULL) < 0 ||
		    write_file(dir, argv[i], ".chain.pem", pem, ca_pem) < 0)
			return 1;
	}
	ca_wipe(&ca);
	return 0;
}

static int cmd_trust(int argc, char **argv)
{
	struct trust_store ts;
	char err[1024];
	int i = 0, rc = 0;
	trust_init(&ts);
	if (argc > 0 && strcmp(argv[0], "--system") == 0) {
		if (trust_load(&ts, getenv("SSL_CERT_FILE"), (const char *const *)argv + 1,
			       (size_t)argc - 1, err, sizeof err) < 0)
			rc = 1;
		i = argc;
	}
	for (; rc == 0 && i < argc; i++)
		if (trust_add_file(&ts, argv[i], err, sizeof err) < 0)
			rc = 1;
	if (rc) {
		fprintf(stderr, "certtool: %s\n", err);
	} else {
		if (ts.note[0])
			fprintf(stderr, "certtool: %s\n", ts.note);
		printf("anchors %zu unusable %zu\n", ts.count, ts.unusable);
	}
	trust_free(&ts);
	return rc;
}

static int cmd_bench(int argc, char **argv)
{
	long n = argc > 0 ? strtol(argv[0], NULL, 10) : 1000;
	static struct ca ca;
	struct ca_name nm = {"example.com", CA_NAME_SUBDOMAINS};
	char err[512];
	struct timespec t0, t1;
	if (n <= 0)
		return usage();
	if (ca_generate(&ca, &nm, 1, time(NULL), err, sizeof err) < 0) {
		fprintf(stderr, "certtool: %s\n", err);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		unsigned char leaf[LEAF_CERT_MAX];
		char host[64];
		size_t len;
		snprintf(host, sizeof host, "h%ld.example.com", i);
		if (leaf_mint(&ca, host, time(NULL), leaf, sizeof leaf, &len, NULL, err, sizeof err) < 0) {
			fprintf(stderr, "certtool: %s\n", err);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("%ld leaves in %.1f ms: %.1f us per leaf\n", n, ms, ms * 1e3 / (double)n);
	ca_wipe(&ca);
	return 0;
}

static int cmd_bench_sign(int argc, char **argv)
{
	long n = argc > 0 ? strtol(argv[0], NULL, 10) : 1000;
	static struct ca ca;
	unsigned char hash[32] = {1}, sig[80];
	char err[512];
	struct timespec t0, t1;
	if (n <= 0)
		return usage();
	if (ca_generate(&ca, NULL, 0, time(NULL), err, sizeof err) < 0) {
		fprintf(stderr, "certtool: %s\n", err);
		return 1;
	}
	br_ecdsa_sign sign = br_ecdsa_sign_asn1_get_default();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		hash[0] = (unsigned char)i;
		sign(br_ec_get_default(), &br_sha256_vtable, hash, &ca.key, sig);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("%ld signatures in %.1f ms: %.1f us per signature\n", n, ms, ms * 1e3 / (double)n);
	ca_wipe(&ca);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "mint") == 0)
		return cmd_mint(argc - 2, argv + 2);
	if (strcmp(argv[1], "trust") == 0)
		return cmd_trust(argc - 2, argv + 2);
	if (strcmp(argv[1], "bench") == 0)
		return cmd_bench(argc - 2, argv + 2);
	if (strcmp(argv[1], "bench-sign") == 0)
		return cmd_bench_sign(argc - 2, argv + 2);
	return usage();
}
