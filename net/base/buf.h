/* buf.h: the byte buffer of each side of a proxy connection, and its one compaction.
 *
 * Bytes live in data[start, end): [start, start + fwd) has been decided and may be
 * sent on, the rest still waits for a decision (a head not yet complete, say). Space
 * is reclaimed by moving the held bytes to the front, in buf_compact() only.
 */
#ifndef AIRLOCK_BUF_H
#define AIRLOCK_BUF_H

#include <stddef.h>
#include <string.h>

#define BUF_SIZE 16384 /* a request head must fit, and a TLS record does */

struct buf {
	size_t start, end, fwd;
	size_t reserve; /* bytes at the end that a fill leaves free (0: none): room for a
	                   head to grow when it is rewritten in place */
	char data[BUF_SIZE];
};

/* How far a fill may go: BUF_SIZE less the reserve. */
static inline size_t buf_fill_cap(const struct buf *b)
{
	return BUF_SIZE - b->reserve;
}

/* Moves the held bytes to the front, so that a read has all the free space. */
static inline void buf_compact(struct buf *b)
{
	if (b->start == 0)
		return;
	memmove(b->data, b->data + b->start, b->end - b->start);
	b->end -= b->start;
	b->start = 0;
}

/* Reads what fd has into b's free space up to buf_fill_cap() (compacting first when
 * that is reached):
 * the bytes read (>0), 0 at the end of the stream, -1 when nothing is there yet (or b
 * is full), -2 on failure (errno says why). The one recv() of every plain socket side. */
long buf_fill_fd(struct buf *b, int fd);

#endif
