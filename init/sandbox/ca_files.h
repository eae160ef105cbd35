/* ca_files.h: the sandbox CA's two files, as every mode writes them: ca.pem (the CA
 * alone, for NODE_EXTRA_CA_CERTS and the like) and bundle.pem (the system's roots, then
 * the CA, for clients that take one file in place of the system store). The roots are
 * copied from the open system bundle by the kernel (sendfile), never read into memory:
 * they are a few hundred kilobytes, and sandbox-exec starts once per CLI run. */
#ifndef AIRLOCK_CA_FILES_H
#define AIRLOCK_CA_FILES_H

#include <stddef.h>

struct ca_files {
	const char *ca_pem; /* the CA certificate, PEM */
	size_t ca_pem_len;
	int roots_fd;       /* the system bundle, open for reading, or -1: none */
};

/* Writes ca_path (the CA) and bundle_path (the roots, a newline if their last line has
 * none, the CA), each mode 0644 and new (an existing file or link there is an error).
 * Returns 0, or -1 with errno set and *failed naming the path that was not written. */
int ca_files_write(const struct ca_files *f, const char *ca_path, const char *bundle_path,
		   const char **failed);

#endif
