/* secrets_rewrite: runs airlock's secret store and placeholder rewriter on a request
 * head read from stdin, as the proxy does for each request, so integration tests can
 * check them against the bytes real clients (git, curl, python) send.
 *
 *   secrets_rewrite POLICY HOST http|https < head
 *
 * Loads POLICY (spec section 5) and the secrets' real values (this process's
 * environment, else each secret's `file`), then rewrites the request target and every
 * header value for a request to HOST over plain http or TLS. Prints one JSON object:
 * {"result": 0|1|-1, "reason": "...", "injected": "NAME,...", "head": "..."} where
 * result is secrets_rewrite()'s (1: refused) and head the rewritten head (empty when
 * refused). Exit 0 when a verdict was printed, 2 on bad usage or when the policy or
 * the store cannot be loaded (the message on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "proxy/secret_store.h"
#include "proxy/secrets.h"

#define MAX_HEAD 65536

static void json_str(const char *p, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/* Appends p[0..n) to the head being built. */
static void put(char *head, size_t *hl, const char *p, size_t n)
{
	if (*hl + n <= MAX_HEAD) {
		memcpy(head + *hl, p, n);
		*hl += n;
	}
}

int main(int argc, char **argv)
{
	if (argc != 4 || (strcmp(argv[3], "http") && strcmp(argv[3], "https"))) {
		fprintf(stderr, "usage: secrets_rewrite POLICY HOST http|https < head\n");
		return 2;
	}
	struct policy p;
	struct policy_errors errs;
	if (policy_load_file(argv[1], &p, &errs) < 0) {
		for (size_t i = 0; i < errs.count; i++)
			fprintf(stderr, "secrets_rewrite: %s\n", errs.msgs[i]);
		policy_errors_free(&errs);
		return 2;
	}
	policy_errors_free(&errs);
	struct secret_store st;
	char err[512];
	if (secret_store_load(&p, &st, err, sizeof err) < 0) {
		fprintf(stderr, "secrets_rewrite: %s\n", err);
		policy_free(&p);
		return 2;
	}

	static char in[MAX_HEAD + 1], head[MAX_HEAD], field[MAX_HEAD];
	size_t n = fread(in, 1, MAX_HEAD, stdin);
	in[n] = '\0';
	char *end = strstr(in, "\r\n\r\n");
	if (end)
		end[2] = '\0';

	const char *host = argv[2];
	int tls = strcmp(argv[3], "https") == 0;
	struct secrets_result res;
	secrets_result_init(&res);
	size_t hl = 0, fl;
	int rc = 0;
	int first = 1;
	for (char *line = in, *next; line && *line && rc == 0; line = next) {
		char *eol = strstr(line, "\r\n");
		if (!eol)
			break;
		*eol = '\0';
		next = eol + 2;
		if (first) { /* METHOD SP target SP version */
			first = 0;
			char *sp1 = strchr(line, ' ');
			char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
			if (!sp2)
				break;
			put(head, &hl, line, (size_t)(sp1 + 1 - line));
			rc = secrets_rewrite(&st, host, tls, SECRETS_TARGET, NULL, sp1 + 1,
					     (size_t)(sp2 - sp1 - 1), field, sizeof field, &fl, &res);
			if (rc == 0)
				put(head, &hl, field, fl);
			put(head, &hl, sp2, strlen(sp2));
			put(head, &hl, "\r\n", 2);
			continue;
		}
		char *colon = strchr(line, ':');
		if (!colon)
			break;
		*colon = '\0';
		char *v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t vl = strlen(v);
		while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
			vl--;
		rc = secrets_rewrite(&st, host, tls, SECRETS_HEADER, line, v, vl, field,
				     sizeof field, &fl, &res);
		put(head, &hl, line, strlen(line));
		put(head, &hl, ": ", 2);
		if (rc == 0)
			put(head, &hl, field, fl);
		put(head, &hl, "\r\n", 2);
	}
	if (rc == 0)
		put(head, &hl, "\r\n", 2);

	char names[512];
	secrets_injected_names(&st, res.injected, names, sizeof names);
	printf("{\"result\": %d, \"reason\": ", rc);
	json_str(res.reason, strlen(res.reason));
	printf(", \"injected\": ");
	json_str(names, strlen(names));
	printf(", \"head\": ");
	json_str(head, rc == 0 ? hl : 0);
	printf("}\n");
	explicit_bzero(head, sizeof head);
	explicit_bzero(field, sizeof field);
	secret_store_free(&st);
	policy_free(&p);
	return 0;
}
