/* libFuzzer target for proxy/proto/sni.c: any bytes, and every prefix of them, must give a
 * result without a crash, and a found name must be short, lower-case and printable. */
#include "proxy/proto/sni.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[SNI_MAX_NAME + 1];
	const char *why = NULL;
	enum sni_result r = sni_parse(data, size, name, sizeof name, &why);
	if (r == SNI_FOUND) {
		size_t n = strlen(name);
		if (n == 0 || n > SNI_MAX_NAME)
			abort();
		for (size_t i = 0; i < n; i++)
			if (isupper((unsigned char)name[i]) || name[i] <= 0x20)
				abort();
	}
	/* A prefix can never give a definite answer the whole input contradicts. */
	if (size > 1 && r == SNI_FOUND) {
		char n2[SNI_MAX_NAME + 1];
		enum sni_result r2 = sni_parse(data, size - 1, n2, sizeof n2, &why);
		if (r2 == SNI_FOUND && strcmp(n2, name) != 0)
			abort();
	}
	return 0;
}
