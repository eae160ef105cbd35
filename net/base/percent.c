/* percent.c: see percent.h. */
#include "net/base/percent.h"

int percent_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int percent_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

size_t percent_next(const char *in, size_t len, unsigned char *c)
{
	if (in[0] == '%' && len >= 3) {
		int hi = percent_hexval((unsigned char)in[1]);
		int lo = percent_hexval((unsigned char)in[2]);
		if (hi >= 0 && lo >= 0) {
			*c = (unsigned char)(hi << 4 | lo);
			return 3;
		}
	}
	*c = (unsigned char)in[0];
	return 1;
}

size_t percent_encoded_len(const unsigned char *in, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		n += percent_unreserved(in[i]) ? 1 : 3;
	return n;
}

int percent_encode(const unsigned char *in, size_t len, char *out, size_t cap, size_t *pos)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = in[i];
		if (percent_unreserved(c)) {
			if (*pos < cap)
				out[*pos] = (char)c;
			else
				rc = -1;
			*pos += 1;
			continue;
		}
		if (cap >= 3 && *pos <= cap - 3) {
			out[*pos] = '%';
			out[*pos + 1] = hex[c >> 4];
			out[*pos + 2] = hex[c & 15];
		} else {
			rc = -1;
		}
		*pos += 3;
	}
	return rc;
}
