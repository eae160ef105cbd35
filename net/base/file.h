/* file.h: reading a whole small file, the one way airlock does it (the policy, trust
 * files, token files, passwd and group, the system bundle). Opening is the caller's:
 * each opens with the checks its file needs (safe_open.h). */
#ifndef AIRLOCK_FILE_H
#define AIRLOCK_FILE_H

#include <stddef.h>

/* Reads fd to its end into a malloc'd buffer, NUL-terminated (the NUL not counted), in
 * *out and *len; fd stays open. Returns 0, or -1 with errno: EFBIG when it holds more
 * than max bytes, ENOMEM, or read's error; on -1 the bytes read are wiped and freed
 * (the file may be a secret) and *out is NULL. */
int file_read_fd(int fd, size_t max, char **out, size_t *len);

#endif
