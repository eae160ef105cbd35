/* proc_parent.h: a process's parent, from /proc/PID/stat. */
#ifndef AIRLOCK_PROC_PARENT_H
#define AIRLOCK_PROC_PARENT_H

#include <sys/types.h>

/* The parent of process `pid` (in the reader's /proc), or -1 when it is gone, cannot
 * be read, or is a zombie (which no signal reaches, and whose children have been
 * reparented already). */
pid_t proc_parent(pid_t pid);

#endif
