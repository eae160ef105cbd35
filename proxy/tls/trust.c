/* trust.c: trust anchors from PEM files (see trust.h). */
#include "proxy/tls/trust.h"
#include "net/base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net/base/safe_open.h"
#include "proxy/tls/pem.h"

#define CERT_DER_MAX 65536 /* one certificate; real ones are 0.5 to 2 KB */
#define DN_MAX 4096

void trust_init(struct trust_store *ts)
{
	memset(ts, 0, sizeof *ts);
}

void trust_free(struct trust_store *ts)
{
	for (size_t i = 0; i < ts->count; i++)
		free(ts->anchors[i].dn.data); /* one block per anchor: DN, then key */
	free(ts->anchors);
	trust_init(ts);
}

const char *trust_x509_error(int code)
{
	switch (code) {
	case 0: return "no error";
	case BR_ERR_X509_INVALID_VALUE: return "invalid value in an ASN.1 structure";
	case BR_ERR_X509_TRUNCATED: return "truncated certificate";
	case BR_ERR_X509_EMPTY_CHAIN: return "the server sent no certificate";
	case BR_ERR_X509_INNER_TRUNC: return "truncated inner structure";
	case BR_ERR_X509_BAD_TAG_CLASS:
	case BR_ERR_X509_BAD_TAG_VALUE: return "unexpected ASN.1 tag";
	case BR_ERR_X509_INDEFINITE_LENGTH: return "indefinite length (not DER)";
	case BR_ERR_X509_EXTRA_ELEMENT: return "unexpected extra element";
	case BR_ERR_X509_UNEXPECTED: return "unexpected element";
	case BR_ERR_X509_NOT_CONSTRUCTED:
	case BR_ERR_X509_NOT_PRIMITIVE: return "wrong ASN.1 encoding form";
	case BR_ERR_X509_PARTIAL_BYTE: return "BIT STRING with a partial byte";
	case BR_ERR_X509_BAD_BOOLEAN: return "bad BOOLEAN";
	case BR_ERR_X509_OVERFLOW: return "value too large";
	case BR_ERR_X509_BAD_DN: return "bad distinguished name";
	case BR_ERR_X509_BAD_TIME: return "bad validity date";
	case BR_ERR_X509_UNSUPPORTED: return "unsupported feature or key type";
	case BR_ERR_X509_LIMIT_EXCEEDED: return "a size limit of the decoder was exceeded";
	case BR_ERR_X509_WRONG_KEY_TYPE: return "wrong key type";
	case BR_ERR_X509_BAD_SIGNATURE: return "bad signature";
	case BR_ERR_X509_TIME_UNKNOWN: return "the current time is unknown";
	case BR_ERR_X509_EXPIRED: return "certificate expired or not yet valid";
	case BR_ERR_X509_DN_MISMATCH: return "issuer name does not match";
	case BR_ERR_X509_BAD_SERVER_NAME: return "certificate is not for this host name";
	case BR_ERR_X509_CRITICAL_EXTENSION: return "unsupported critical extension";
	case BR_ERR_X509_NOT_CA: return "issuer is not a CA";
	case BR_ERR_X509_FORBIDDEN_KEY_USAGE: return "key usage forbids this use";
	case BR_ERR_X509_WEAK_PUBLIC_KEY: return "public key too weak";
	case BR_ERR_X509_NOT_TRUSTED: return "not signed by a trusted certificate authority";
	default: return "certificate error";
	}
}

struct dn_buf {
	unsigned char b[DN_MAX];
	size_t len;
	int overflow;
};

static void dn_append(void *ctx, const void *p, size_t n)
{
	struct dn_buf *d = ctx;
	if (d->overflow || n > sizeof d->b - d->len) {
		d->overflow = 1;
		return;
	}
	memcpy(d->b + d->len, p, n);
	d->len += n;
}

struct add_ctx {
	struct trust_store *ts;
	const char *name;
	long added;
	long certs;
	int own_error; /* the message in err is complete (names the file) */
	struct dn_buf dn;
};

/* Copies the DN and key of a decoded certificate into one block owned by the anchor. */
static int push_anchor(struct trust_store *ts, const struct dn_buf *dn, const br_x509_pkey *pk,
		       int is_ca)
{
	size_t klen = pk->key_type == BR_KEYTYPE_RSA ? pk->key.rsa.nlen + pk->key.rsa.elen
						     : pk->key.ec.qlen;
	if (ts->count == ts->cap) {
		size_t cap = ts->cap ? 2 * ts->cap : 64;
		br_x509_trust_anchor *a = realloc(ts->anchors, cap * sizeof *a);
		if (!a)
			return -1;
		ts->anchors = a;
		ts->cap = cap;
	}
	unsigned char *block = malloc(dn->len + klen + 1);
	if (!block)
		return -1;
	br_x509_trust_anchor *ta = &ts->anchors[ts->count];
	memset(ta, 0, sizeof *ta);
	memcpy(block, dn->b, dn->len);
	ta->dn.data = block;
	ta->dn.len = dn->len;
	/* As BearSSL's own tools do: a certificate that says it is a CA may sign others;
	 * any other is trusted only for itself (its own key, "direct trust"). */
	ta->flags = is_ca ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	unsigned char *k = block + dn->len;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		memcpy(k, pk->key.rsa.n, pk->key.rsa.nlen);
		memcpy(k + pk->key.rsa.nlen, pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.n = k;
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = k + pk->key.rsa.nlen;
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
	} else {
		memcpy(k, pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = k;
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
	}
	ts->count++;
	return 0;
}

/* Decodes one DER certificate into an anchor. entry and label are for messages. */
static int add_der(struct add_ctx *a, const unsigned char *der, size_t len, unsigned entry,
		   const char *label, char *err, size_t errlen)
{
	br_x509_decoder_context dc;
	a->certs++;
	a->dn.len = 0;
	a->dn.overflow = 0;
	br_x509_decoder_init(&dc, dn_append, &a->dn);
	br_x509_decoder_push(&dc, der, len);
	int e = br_x509_decoder_last_error(&dc);
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(&dc);
	if (e == BR_ERR_X509_UNSUPPORTED) {
		a->ts->unusable++;
		return 0;
	}
	if (e != 0 || !pk) {
		snprintf(err, errlen,
			 "%s: entry %u (%s): not a valid X.509 certificate: %s (BearSSL error %d); "
			 "remove or replace that entry",
			 a->name, entry, label, trust_x509_error(e ? e : BR_ERR_X509_TRUNCATED), e);
		return -1;
	}
	if (a->dn.overflow) {
		snprintf(err, errlen, "%s: entry %u (%s): subject name longer than %d bytes",
			 a->name, entry, label, DN_MAX);
		return -1;
	}
	if (push_anchor(a->ts, &a->dn, pk, br_x509_decoder_isCA(&dc)) < 0) {
		snprintf(err, errlen, "%s: entry %u: out of memory", a->name, entry);
		return -1;
	}
	a->added++;
	return 0;
}

static int add_object(void *ctx, const struct pem_object *o, char *err, size_t errlen)
{
	/* Bundles may hold keys, CRLs or OpenSSL's "TRUSTED CERTIFICATE" (with trust
	 * settings BearSSL cannot honour): skipped, which only ever trusts less. */
	struct add_ctx *a = ctx;
	if (strcmp(o->label, "CERTIFICATE") != 0 && strcmp(o->label, "X509 CERTIFICATE") != 0)
		return 0;
	a->own_error = 1;
	if (add_der(a, o->der, o->len, o->index, o->label, err, errlen) < 0)
		return -1;
	a->own_error = 0;
	return 0;
}

long trust_add_pem(struct trust_store *ts, const char *name, const void *text, size_t len,
		   char *err, size_t errlen)
{
	struct add_ctx *a = calloc(1, sizeof *a);
	unsigned char *buf = malloc(CERT_DER_MAX);
	long ret = -1;
	if (!a || !buf) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	a->ts = ts;
	a->name = name;
	const unsigned char *p = text;
	if (len >= 2 && p[0] == 0x30 && !memmem(text, len, "-----BEGIN", 10)) {
		/* Not PEM but one DER certificate (a ".der"/".cer" file): accepted too. */
		if (add_der(a, p, len, 1, "DER", err, errlen) < 0)
			goto out;
	} else {
		if (pem_decode_each(text, len, buf, CERT_DER_MAX, add_object, a, err, errlen) < 0) {
			if (!a->own_error) { /* the PEM layer's sentence lacks the file name */
				char tmp[512];
				snprintf(tmp, sizeof tmp, "%s", err);
				snprintf(err, errlen, "%s: %s", name, tmp);
			}
			goto out;
		}
	}
	if (a->certs == 0) {
		snprintf(err, errlen,
			 "%s: no certificate in it; a trust file holds PEM certificates "
			 "(\"-----BEGIN CERTIFICATE-----\")",
			 name);
		goto out;
	}
	ret = a->added;
out:
	free(a);
	free(buf);
	return ret;
}

/* Opens a trust file as root: `links` says whether a link root placed may be followed
 * (the system store) or none (the policy's files, which may lie where a sandbox wrote). */
static long add_file(struct trust_store *ts, const char *path, enum safe_links links,
		     char *err, size_t errlen)
{
	char why[PATH_MAX + 200];
	int fd = safe_open(path, O_RDONLY, 0, links, why, sizeof why);
	struct stat st;
	if (fd < 0 && errno == ELOOP) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: cannot read the trust file: %s", path,
			 fd < 0 ? why : strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)TRUST_MAX_FILE) {
		snprintf(err, errlen, "%s: not a regular file of at most %u bytes", path,
			 TRUST_MAX_FILE);
		close(fd);
		return -1;
	}
	char *text;
	size_t got;
	int rc = file_read_fd(fd, TRUST_MAX_FILE, &text, &got);
	int e = errno;
	close(fd);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot read the trust file: %s", path,
			 e == EFBIG ? "it grew past the limit while being read" : strerror(e));
		return -1;
	}
	long r = trust_add_pem(ts, path, text, got, err, errlen);
	free(text);
	return r;
}

long trust_add_file(struct trust_store *ts, const char *path, char *err, size_t errlen)
{
	return add_file(ts, path, SAFE_NO_LINKS, err, errlen);
}

int trust_load(struct trust_store *ts, const char *ssl_cert_file, const char *const *extra,
	       size_t nextra, char *err, size_t errlen)
{
	char e[512];
	ts->note[0] = 0;
	if (ssl_cert_file && *ssl_cert_file) {
		if (add_file(ts, ssl_cert_file, SAFE_ROOT_LINKS, e, sizeof e) < 0) {
			snprintf(err, errlen, "%s (named by SSL_CERT_FILE; fix it or unset it)", e);
			return -1;
		}
	} else if (access(TRUST_SYSTEM_BUNDLE, F_OK) != 0 && errno == ENOENT) {
		snprintf(ts->note, sizeof ts->note,
			 "no system trust store (%s is missing): upstream TLS is verified against "
			 "the policy's trust files only; install ca-certificates or set "
			 "SSL_CERT_FILE",
			 TRUST_SYSTEM_BUNDLE);
	} else if (add_file(ts, TRUST_SYSTEM_BUNDLE, SAFE_ROOT_LINKS, e, sizeof e) < 0) {
		snprintf(err, errlen, "%s (the system trust store; set SSL_CERT_FILE to another)", e);
		return -1;
	}
	for (size_t i = 0; i < nextra; i++) {
		if (trust_add_file(ts, extra[i], e, sizeof e) < 0) {
			snprintf(err, errlen, "%s (a [network] trust file of the policy)", e);
			return -1;
		}
	}
	return 0;
}
