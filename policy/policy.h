/* policy.h: the sandbox policy (spec section 5) as loaded from INI, validated, with
 * defaults filled in.
 *
 * The loader is the only code that reads the policy text; everything else (the sandbox
 * set-up, the proxy's decisions) works from struct policy. Loading allocates; the
 * policy is loaded once at start and freed with policy_free().
 */
#ifndef AIRLOCK_POLICY_H
#define AIRLOCK_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum policy_mode { POLICY_REQUIRED = 0, POLICY_BEST_EFFORT = 1 };

/* [sandbox] isolation: how the sandbox is made (README: Modes). AUTO takes the strongest
 * this process can have here; a named mode is that one or nothing. */
enum policy_isolation {
	POLICY_ISOLATION_AUTO = 0,
	POLICY_ISOLATION_FULL,         /* root or CAP_SYS_ADMIN: namespaces of the host's */
	POLICY_ISOLATION_USERNS,       /* namespaces owned by an unprivileged user namespace */
	POLICY_ISOLATION_UNPRIVILEGED, /* no namespace at all (not in this build) */
};

/* What the proxy does with a connection to a host:port. */
enum policy_action {
	ACTION_DENY = 0,
	ACTION_ALLOW,        /* TLS terminated, secrets may be injected */
	ACTION_PASSTHROUGH,  /* bytes tunnelled untouched after the SNI check */
};

/* One `allow` or `passthrough` item: "host", "host:port", "*.suffix", "*.suffix:port",
 * or an IP literal ("[v6]:port" for IPv6). Hosts are stored lower-case, without a
 * trailing dot. */
struct policy_host_rule {
	char *host;        /* for a wildcard: the suffix without "*." ("example.com") */
	int wildcard;      /* "*.x": matches subdomains of x, never x itself */
	uint16_t port;     /* 0: the default port of the request (443 CONNECT, 80 http://) */
	enum policy_action action;
	char *text;        /* the item as written, for messages */
	int line;          /* line in the policy file (0: added by default) */
};

/* One `map` entry: HOST[:PORT] ADDR[:PORT]. A connection to HOST (on PORT only, when
 * given) goes to ADDR, on the mapped port when given, else on the requested port. A
 * mapped host is exempt from the SSRF guard: mapping is an explicit decision. */
struct policy_map {
	char *host;
	uint16_t host_port;  /* 0: any port */
	char *addr;          /* numeric IPv4 or IPv6 address, no brackets */
	uint16_t port;       /* 0: the requested port */
	int line;
};

struct policy_secret {
	char *name;          /* the environment variable's name: [A-Za-z_][A-Za-z0-9_]* */
	char **hosts;        /* host patterns (as in allow, without port) */
	size_t nhosts;
	char *file;          /* optional token file, shown as the placeholder inside */
	char *json;          /* with file: the value is this member ("a" or "a.b") of the
	                        JSON file, and only it shows the placeholder inside */
	int plaintext;       /* may also travel over plain http:// */
	int body;            /* its placeholder is also replaced in request bodies */
	/* A [token NAME] section: no value at start; the proxy takes it from the JSON
	 * member `field` of a 2xx answer from https://from_host/from_path (path without
	 * query), where the sandbox gets the placeholder instead, and keeps the latest. */
	int token;
	char *from_host;     /* lower-case */
	char *from_path;     /* starts with '/' */
	char *field;         /* "access_token" or "a.b" */
	/* The [gcp] section's token (GCP_ACCESS_TOKEN): `file` is the service-account key,
	 * which the supervisor signs grants with and the sandbox cannot read; its value
	 * comes from the key's token_uri, asked by the proxy, never by the sandbox. */
	int gcp;
	int line;
};

/* [gcp]: Google Cloud credentials from a service-account key the sandbox never sees
 * (README: Google Cloud). The token itself is the secret p->secrets[secret]. */
#define POLICY_GCP_TOKEN_NAME "GCP_ACCESS_TOKEN"
#define POLICY_GCP_METADATA_PORT 3129
struct policy_gcp {
	size_t secret;          /* index of its token in p->secrets */
	char *scopes;           /* space-separated OAuth scopes */
	uint16_t metadata_port; /* the metadata server on 127.0.0.1 inside */
	int line;
};

/* [http HOST]: what may be done on a host (policy/http_rules.h). */
enum policy_http_access { HTTP_ACCESS_FULL = 0, HTTP_ACCESS_READ_WRITE, HTTP_ACCESS_READ_ONLY };

struct policy_http_rule {
	char *method;        /* upper-case, or "*" */
	char *glob;          /* path glob, starting with '/' */
	int deny;            /* deny = ...: wins over allow and the access level */
	int line;
};

struct policy_http {
	char *pattern;       /* host pattern as in allow ("x" or "*.x"), lower-case */
	enum policy_http_access access;
	int access_line;     /* 0: the default (full) */
	struct policy_http_rule *rules;
	size_t nrules;
	int line;
};

struct policy_path {
	char *path;          /* absolute, ${VAR} expanded */
	int line;
};

/* [filesystem] tmpfs_size: the default (bytes), and the largest a policy may give. */
#define POLICY_TMPFS_SIZE_DEFAULT (512ull << 20)
#define POLICY_TMPFS_SIZE_MAX (1ull << 40)

/* [sandbox] max_processes: the default, and the range a policy may give. */
#define POLICY_MAX_PROCESSES_DEFAULT 1024u
#define POLICY_MAX_PROCESSES_MIN 2u
#define POLICY_MAX_PROCESSES_MAX 4194304u  /* the kernel's PID_MAX_LIMIT */

struct policy {
	char *source;        /* file name, or "(default)" */

	/* [sandbox] */
	char *user;          /* as written: name, name:group, uid or uid:gid */
	uid_t uid;           /* resolved at load; never 0 */
	gid_t gid;
	char *workdir;       /* NULL: the caller's working directory */
	enum policy_mode landlock;
	enum policy_mode seccomp;
	enum policy_isolation isolation;
	unsigned max_processes;  /* processes and threads inside, its PID 1 included */

	/* [filesystem] */
	struct policy_path *read_only;
	size_t nread_only;
	struct policy_path *read_write;
	size_t nread_write;
	struct policy_path *tmpfs;        /* an empty tmpfs of the sandbox's own at each */
	size_t ntmpfs;
	uint64_t tmpfs_size;              /* bytes each of them may hold */

	/* [network] */
	struct policy_host_rule *rules;   /* allow and passthrough, in file order */
	size_t nrules;
	struct policy_map *maps;
	size_t nmaps;
	char **trust;                     /* extra upstream trust anchors (PEM files) */
	size_t ntrust;
	char *upstream_proxy;             /* NULL: from the environment; "none"; or a URL */
	uint16_t *forwards;               /* loopback ports relayed to the host */
	size_t nforwards;

	/* [environment]: which of the caller's variables look like credentials (name
	 * patterns, `*` matching any run of characters, case-insensitive), removed from
	 * CMD's environment unless declared as a secret or passed by `pass` */
	char **env_credentials;           /* the default list when not given */
	size_t nenv_credentials;
	char **env_pass;                  /* names or patterns passed as they are */
	size_t nenv_pass;

	/* [http HOST] sections, in file order */
	struct policy_http *http;
	size_t nhttp;

	/* [secret NAME] sections */
	struct policy_secret *secrets;
	size_t nsecrets;

	/* [gcp], or NULL */
	struct policy_gcp *gcp;
};

/* Errors found while loading: each one "FILE:LINE: what is wrong". */
struct policy_errors {
	char **msgs;
	size_t count;
};

/* Loads and validates the policy at `path`. Returns 0 and fills `p`, or returns -1 with
 * every problem found in `errs` (and `p` freed). `errs` must be freed by the caller with
 * policy_errors_free() in both cases. */
int policy_load_file(const char *path, struct policy *p, struct policy_errors *errs);

/* The same from text in memory; `name` stands for the file name in messages. */
int policy_load_string(const char *text, size_t len, const char *name, struct policy *p,
		       struct policy_errors *errs);

/* Loads the embedded default policy (policy_default_text). */
int policy_load_default(struct policy *p, struct policy_errors *errs);

/* A reload split in two (init/privsep.h): policy_file_open() opens the file as
 * policy_load_file() does, with its checks made for the identity of the policy in force
 * (a reload cannot change it), and returns the fd, or -1 with errs filled; the
 * unprivileged proxy worker then parses it with policy_load_fd(), which reads and
 * closes fd. */
int policy_file_open(const char *path, const struct policy *current,
		     struct policy_errors *errs);
int policy_load_fd(int fd, const char *name, struct policy *p, struct policy_errors *errs);

/* The embedded default policy, as printed by `airlock policy default`. */
extern const char policy_default_text[];

void policy_free(struct policy *p);
void policy_errors_free(struct policy_errors *errs);

/* Writes the effective policy as INI text (what `airlock policy check` prints). */
void policy_print(const struct policy *p, int fd);

/* The same text in a malloc'd NUL-terminated string (free() it); loading it with
 * policy_load_string() gives the same policy. */
char *policy_format(const struct policy *p);

/* The decision for host:port (host lower-case, no trailing dot; an IP literal without
 * brackets). `default_port` is 443 for CONNECT, 80 for http://. Returns the action of the
 * first matching rule, and that rule in *rule (NULL on deny). Looks at nothing but the
 * policy: no DNS. */
enum policy_action policy_decide(const struct policy *p, const char *host, uint16_t port,
				 uint16_t default_port, const struct policy_host_rule **rule);

/* The map entry for host:port, or NULL. */
const struct policy_map *policy_find_map(const struct policy *p, const char *host,
					 uint16_t port);

/* The secret called `name` (the NAME of a placeholder), or NULL. */
const struct policy_secret *policy_find_secret(const struct policy *p, const char *name,
					       size_t namelen);

/* Whether `host` matches one of the secret's hosts. */
int policy_secret_bound(const struct policy_secret *s, const char *host);

/* Whether `host` matches `pattern` ("x" exactly, or "*.x" for subdomains of x);
 * case-insensitive. */
int policy_host_match(const char *pattern, const char *host);

#endif
