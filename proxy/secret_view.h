/* secret_view.h: what a secret's `file` shows inside the sandbox.
 *
 * A plain token file shows its placeholder (one line). A JSON credential file, whose
 * secrets name members of it (`json = access_token`), shows the same document with each
 * such member's string replaced by its secret's placeholder and every other byte as it
 * is: so a tool that reads the file (an OAuth library, gcloud) finds the structure it
 * expects and sends the placeholder, which the proxy swaps back on the bound hosts.
 */
#ifndef AIRLOCK_SECRET_VIEW_H
#define AIRLOCK_SECRET_VIEW_H

#include <stddef.h>

#include "policy/policy.h"

/* Makes the sandbox's view of the file of secret `i` of the policy (which has a `file`)
 * in a malloc'd buffer *out of *len bytes; every secret of the policy naming a member of
 * the same file is masked in it. The real file is read as secret_file_read() does.
 * Returns 0, or -1 with a sentence in `err` naming the file (never its content). */
int secret_view_make(const struct policy *p, size_t i, char **out, size_t *len, char *err,
		     size_t errlen);

#endif
