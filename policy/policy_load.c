/* policy_load.c: reads policy text with inih and turns it into struct policy.
 *
 * inih splits lines into sections and KEY = VALUE pairs; it is built without line
 * numbers in its callback and reports only the first syntax error. So the loader feeds
 * inih through its own line reader, which counts lines, tracks the current section
 * (inih's copy is cut at 49 bytes and it says nothing about empty sections) and notes
 * every line inih will refuse. The key handlers (policy_keys.c) validate values. Every
 * problem becomes one "FILE:LINE: what is wrong (what would be right)" message, and
 * loading goes on so that the user sees them all at once, in file order.
 */
#include "policy/policy_load.h"
#include "net/base/safe_open.h"
#include "policy/sandbox_env.h"

#include <ctype.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

void policy_load_fail(struct loader *L, int line, const char *fmt, ...)
{
	char msg[800];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	size_t before = L->errs->count;
	if (line > 0)
		policy_errors_add(L->errs, "%s:%d: %s", L->name, line, msg);
	else
		policy_errors_add(L->errs, "%s: %s", L->name, msg);
	if (L->errs->count == before)
		return; /* past the limit: counted, not listed */
	/* The line of each message, to list them in file order at the end; the note that
	 * more errors follow stays last. */
	L->elines = policy_xrealloc(L->elines, L->errs->count, sizeof *L->elines);
	L->elines[L->errs->count - 1] =
		line > 0 && L->errs->count <= POLICY_ERRORS_MAX ? line : INT_MAX;
}

/* Sorts the messages by line, keeping the order of messages on the same line (an
 * insertion sort: the list is short and nearly sorted already). */
static void sort_errors(struct loader *L)
{
	char **m = L->errs->msgs;
	for (size_t i = 1; i < L->errs->count; i++) {
		int line = L->elines[i];
		char *msg = m[i];
		size_t j = i;
		for (; j > 0 && L->elines[j - 1] > line; j--) {
			L->elines[j] = L->elines[j - 1];
			m[j] = m[j - 1];
		}
		L->elines[j] = line;
		m[j] = msg;
	}
}

const char *policy_load_section_name(const struct loader *L, char *buf, size_t len)
{
	switch (L->sec) {
	case SEC_SANDBOX:
		return "[sandbox]";
	case SEC_FILESYSTEM:
		return "[filesystem]";
	case SEC_NETWORK:
		return "[network]";
	case SEC_ENVIRONMENT:
		return "[environment]";
	case SEC_HTTP:
		snprintf(buf, len, "[http %s]", L->p->http[L->http].pattern);
		return buf;
	case SEC_SECRET:
		snprintf(buf, len, "[secret %s]", L->p->secrets[L->secret].name);
		return buf;
	case SEC_TOKEN:
		snprintf(buf, len, "[token %s]", L->p->secrets[L->secret].name);
		return buf;
	case SEC_GCP:
		return "[gcp]";
	default:
		return "(no section)";
	}
}

/* The same scan as inih's: up to one of `chars`, or to an inline comment (';' after
 * whitespace), or to the end. */
static const char *find_chars_or_comment(const char *s, const char *chars)
{
	int was_space = 0;
	while (*s && !strchr(chars, *s) && !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

static void trim(const char **a, const char **b)
{
	while (*a < *b && isspace((unsigned char)**a))
		(*a)++;
	while (*b > *a && isspace((unsigned char)(*b)[-1]))
		(*b)--;
}

/* A "[...]" line: switches L->sec. Keys under a section that is in error are skipped
 * without more messages: the section's own error says it all. */
static void section_line(struct loader *L, const char *s)
{
	const char *close = find_chars_or_comment(s, "]");
	char q[128], name[POLICY_NAME_MAX + 1];

	L->sec = SEC_SKIP;
	if (*close != ']') {
		policy_load_fail(L, L->line, "section header without ']' (write [network])");
		return;
	}
	const char *rest = close + 1;
	while (isspace((unsigned char)*rest))
		rest++;
	if (*rest && *rest != ';') {
		policy_load_fail(L, L->line, "text after ']' (put a comment after ' ;')");
		return;
	}
	const char *a = s, *b = close;
	trim(&a, &b);
	size_t n = (size_t)(b - a);
	char *sec = policy_xrealloc(NULL, n + 1, 1);
	memcpy(sec, a, n);
	sec[n] = '\0';
	policy_quote(sec, q, sizeof q);

	if (strcmp(sec, "sandbox") == 0)
		L->sec = SEC_SANDBOX;
	else if (strcmp(sec, "filesystem") == 0)
		L->sec = SEC_FILESYSTEM;
	else if (strcmp(sec, "network") == 0)
		L->sec = SEC_NETWORK;
	else if (strcmp(sec, "environment") == 0)
		L->sec = SEC_ENVIRONMENT;
	else if (strncmp(sec, "secret", 6) == 0 && (sec[6] == '\0' || isspace((unsigned char)sec[6]))) {
		const char *na = sec + 6, *nb = sec + n;
		trim(&na, &nb);
		size_t nl = (size_t)(nb - na);
		if (!policy_name_valid(na, nl)) {
			policy_load_fail(L, L->line, "bad secret name in [%s] (write [secret NAME], NAME as an "
				  "environment variable: letters, digits and _, not starting with a digit)",
				  q);
		} else {
			memcpy(name, na, nl);
			name[nl] = '\0';
			policy_load_secret_section(L, name);
		}
	} else if (strncmp(sec, "token", 5) == 0 && (sec[5] == '\0' || isspace((unsigned char)sec[5]))) {
		const char *na = sec + 5, *nb = sec + n;
		trim(&na, &nb);
		size_t nl = (size_t)(nb - na);
		if (!policy_name_valid(na, nl)) {
			policy_load_fail(L, L->line, "bad token name in [%s] (write [token NAME], NAME as an "
				  "environment variable: letters, digits and _, not starting with a digit)",
				  q);
		} else {
			memcpy(name, na, nl);
			name[nl] = '\0';
			policy_load_secret_section(L, name);
			if (L->sec == SEC_SECRET) {
				L->p->secrets[L->secret].token = 1;
				L->sec = SEC_TOKEN;
			}
		}
	} else if (strcmp(sec, "gcp") == 0) {
		policy_load_gcp_section(L);
	} else if (strncmp(sec, "http", 4) == 0 && isspace((unsigned char)sec[4])) {
		const char *na = sec + 4, *nb = sec + n;
		trim(&na, &nb);
		char pat[POLICY_HOST_MAX + 8];
		snprintf(pat, sizeof pat, "%.*s", (int)(nb - na), na);
		policy_load_http_section(L, pat);
	} else {
		policy_load_fail(L, L->line, "unknown section [%s] (known: [sandbox], [filesystem], "
			  "[network], [environment], [secret NAME], [token NAME], [gcp], [http HOST]; names are lower-case)", q);
	}
	free(sec);
}

/* Looks at a line as inih will, before inih does, to know the section and to name
 * every line inih refuses. `buf` is the first chunk of line L->line. */
static void classify(struct loader *L, const char *s)
{
	if (L->line == 1 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
	    (unsigned char)s[2] == 0xBF)
		s += 3; /* a UTF-8 byte order mark, as inih skips it */
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0' || *s == ';' || *s == '#')
		return;
	if (*s == '[') {
		section_line(L, s + 1);
		return;
	}
	const char *e = find_chars_or_comment(s, "=:");
	if (*e != '=' && *e != ':')
		policy_load_fail(L, L->line, "not a [section], a KEY = VALUE line or a comment (write KEY = "
			  "VALUE; comments start with ';' or '#')");
}

/* inih's line reader (fgets-like) over the text in memory. A line longer than inih's
 * buffer arrives in pieces: only the first piece starts a line. */
static char *read_line(char *buf, int num, void *stream)
{
	struct loader *L = stream;
	int n = 0, nul = 0;

	if (L->left == 0 || num < 2)
		return NULL;
	while (n < num - 1 && L->left) {
		char c = *L->ptr++;
		L->left--;
		if (c == '\0') { /* inih works on C strings: a NUL would cut the line short */
			c = ' ';
			nul = 1;
		}
		buf[n++] = c;
		if (c == '\n')
			break;
	}
	buf[n] = '\0';
	int starts = L->at_start;
	L->at_start = buf[n - 1] == '\n';
	if (starts) {
		L->line++;
		if (nul)
			policy_load_fail(L, L->line, "contains a NUL byte (a policy is text)");
		classify(L, buf);
	} else if (L->long_line != L->line) {
		L->long_line = L->line;
		policy_load_fail(L, L->line, "is longer than %d bytes (split the values over several "
			  "lines: keys may repeat)", INI_MAX_LINE - 1);
	}
	return buf;
}

static int on_pair(void *user, const char *section, const char *name, const char *value)
{
	struct loader *L = user;
	char q[128];

	(void)section; /* tracked by read_line, without inih's 49-byte cut */
	if (L->sec == SEC_SKIP)
		return 1;
	if (*name == '\0') {
		policy_load_fail(L, L->line, "no key before '=' (write KEY = VALUE)");
		return 1;
	}
	policy_quote(name, q, sizeof q);
	if (L->sec == SEC_NONE) {
		policy_load_fail(L, L->line, "'%s' comes before any section (put it under [sandbox], "
			  "[filesystem], [network] or [secret NAME])", q);
		return 1;
	}
	/* inih hands out its own buffer; its documentation allows changing the value. */
	policy_load_key(L, name, (char *)value);
	return 1;
}

/* A token file the sandbox's identity could change, or rename (with a folder above it),
 * would let the sandbox pick what root reads as the secret, or see the real file in the
 * next run: refused here, so that `policy check` says so; the supervisor applies the
 * same rule again when it reads the file (safe_open_guarded). */
static void check_secret_files(struct loader *L)
{
	const struct policy *p = L->p;
	const struct safe_guard g = {p->uid, p->gid};
	for (size_t i = 0; i < p->nsecrets; i++) {
		const struct policy_secret *s = &p->secrets[i];
		char why[PATH_MAX + 300];
		if (!s->file)
			continue;
		int fd = safe_open_guarded(s->file, O_PATH, &g, why, sizeof why);
		if (fd >= 0)
			close(fd);
		else
			policy_load_fail(L, L->slines[i].file, "[secret %s] file %s: %s", s->name, s->file,
				  why);
	}
	/* A trust anchor the sandbox could replace would let it vouch for any upstream. */
	for (size_t i = 0; i < p->ntrust; i++) {
		char why[PATH_MAX + 300];
		int fd = safe_open_guarded(p->trust[i], O_PATH, &g, why, sizeof why);
		if (fd >= 0)
			close(fd);
		else
			policy_load_fail(L, 0, "trust %s: %s (a trust file must live where the sandbox "
				  "cannot change it)", p->trust[i], why);
	}
}

static void finish(struct loader *L, int ini_ret)
{
	struct policy *p = L->p;

	/* Every line inih refuses was named by read_line; this is a net under it. */
	if (ini_ret > 0 && L->errs->count == 0)
		policy_load_fail(L, ini_ret, "is not valid INI (write [section] or KEY = VALUE lines)");
	else if (ini_ret < 0)
		policy_load_fail(L, 0, "could not be parsed (out of memory)");

	if (!L->credentials_line)
		policy_add_default_credentials(p);
	/* A user line that was refused leaves no identity to check the token files for. */
	int user_known = p->user || !L->user_line;
	if (!p->user) {
		/* The default: nobody:nogroup by number, which needs no passwd entry. */
		p->user = policy_xstrdup("65534:65534");
		p->uid = 65534;
		p->gid = 65534;
	}
	if (user_known)
		check_secret_files(L);
	for (size_t i = 0; i < p->nsecrets; i++) {
		const struct policy_secret *s = &p->secrets[i];
		/* A hosts line whose items were all refused has its own errors already. */
		if (s->gcp && s->nhosts == 0 && !L->slines[i].hosts) {
			/* The Vertex AI endpoints: global and regional. */
			ADD(p->secrets[i].hosts, p->secrets[i].nhosts) =
				policy_xstrdup("aiplatform.googleapis.com");
			ADD(p->secrets[i].hosts, p->secrets[i].nhosts) =
				policy_xstrdup("*-aiplatform.googleapis.com");
		}
		if (s->nhosts == 0 && !L->slines[i].hosts)
			policy_load_fail(L, s->line, "[%s %s] has no hosts (add hosts = HOST..., the "
				  "hosts that may receive it)", s->token ? "token" : "secret", s->name);
		if (s->gcp && p->gcp) {
			for (size_t f = 0; f < p->nforwards; f++)
				if (p->forwards[f] == p->gcp->metadata_port)
					policy_load_fail(L, p->gcp->line, "[gcp] metadata_port %u is also a "
						  "forward port (give the metadata server another port)",
						  p->gcp->metadata_port);
			if (!p->gcp->scopes)
				p->gcp->scopes = policy_xstrdup("https://www.googleapis.com/auth/cloud-platform");
		}
		if (s->json && !s->file)
			policy_load_fail(L, L->slines[i].json, "[secret %s] has json but no file (json names "
				  "a member of the secret's file: add file = PATH)", s->name);
		if (s->gcp && !s->file)
			policy_load_fail(L, s->line, "[gcp] has no service_account (add service_account "
				  "= PATH, the key file the supervisor signs with)");
		if (s->token && !s->gcp && !s->from_host)
			policy_load_fail(L, s->line, "[token %s] has no from (add from = "
				  "https://HOST/PATH, the endpoint whose answers carry it)", s->name);
		if (s->token && !s->field)
			p->secrets[i].field = policy_xstrdup("access_token");
	}
	/* A path built from a secret would put the secret's value where the sandbox, the
	 * printed policy and -v messages show it. */
	for (size_t i = 0; i < L->nvars; i++) {
		const char *s = L->vars[i].item, *v;
		size_t n;
		while ((v = policy_next_var(s, &n))) {
			if (policy_find_secret(p, v, n))
				policy_load_fail(L, L->vars[i].line, "%s uses ${%.*s}, which is a secret: a "
					  "secret must not become a path (write the path out)",
					  L->vars[i].key, (int)n, v);
			s = v + n;
		}
	}
}

int policy_load_string(const char *text, size_t len, const char *name, struct policy *p,
		       struct policy_errors *errs)
{
	struct loader L;

	memset(p, 0, sizeof *p);
	memset(errs, 0, sizeof *errs);
	memset(&L, 0, sizeof L);
	L.p = p;
	L.errs = errs;
	L.name = name ? name : "(policy)";
	L.ptr = text;
	L.left = text ? len : 0;
	L.at_start = 1;
	p->source = policy_xstrdup(L.name);
	p->landlock = POLICY_REQUIRED;
	p->seccomp = POLICY_REQUIRED;
	p->max_processes = POLICY_MAX_PROCESSES_DEFAULT;
	p->tmpfs_size = POLICY_TMPFS_SIZE_DEFAULT;

	int r = ini_parse_stream(read_line, &L, on_pair, &L);
	finish(&L, r);
	sort_errors(&L);

	for (size_t i = 0; i < L.nvars; i++)
		free(L.vars[i].item);
	free(L.vars);
	free(L.slines);
	free(L.elines);
	if (errs->count) {
		policy_free(p);
		return -1;
	}
	return 0;
}
