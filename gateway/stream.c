/*-------------------------------------------------------------------------
 *
 * stream.c
 *		A bounded pipe from a database worker to an HTTP response (see
 *		stream.h).
 *
 * The buffer holds the bytes not yet taken by MHD, data[off..len).  The
 * worker sleeps on cond while len - off > STREAM_HIGH_WATER; the reader
 * signals cond after taking bytes, stream_free after aborting.  The
 * reader suspends the connection while holding the mutex, so a resume
 * (also under the mutex) always follows its suspend.
 *
 *-------------------------------------------------------------------------
 */
#include "stream.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

struct gw_stream
{
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* room in the buffer, or aborted */
	int			refs;
	struct MHD_Connection *conn;
	char	   *data;
	size_t		off;			/* first byte not yet taken */
	size_t		len;			/* bytes in data */
	size_t		cap;
	uint64_t	total;			/* bytes put, in all */
	bool		finished;		/* no more data will come */
	bool		failed;			/* ... and it is incomplete */
	bool		aborted;		/* the response was freed */
	bool		suspended;		/* the reader suspended the connection */
};

struct gw_stream *
stream_new(void *conn)
{
	struct gw_stream *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->refs = 2;
	s->conn = conn;
	return s;
}

/* Resume the connection if the reader suspended it (s->lock held). */
static void
wake_reader(struct gw_stream *s)
{
	if (s->suspended)
	{
		s->suspended = false;
		MHD_resume_connection(s->conn);
	}
}

bool
stream_put(struct gw_stream *s, const char *data, size_t len)
{
	bool		ok = true;

	pthread_mutex_lock(&s->lock);
	while (!s->aborted && s->len - s->off > STREAM_HIGH_WATER)
		pthread_cond_wait(&s->cond, &s->lock);
	if (s->aborted)
		ok = false;
	else
	{
		if (s->off > 0)
		{
			memmove(s->data, s->data + s->off, s->len - s->off);
			s->len -= s->off;
			s->off = 0;
		}
		if (s->len + len > s->cap)
		{
			size_t		cap = s->cap ? s->cap : 64 * 1024;
			char	   *p;

			while (cap < s->len + len)
				cap *= 2;
			p = realloc(s->data, cap);
			if (p == NULL)
				ok = false;
			else
			{
				s->data = p;
				s->cap = cap;
			}
		}
		if (ok)
		{
			memcpy(s->data + s->len, data, len);
			s->len += len;
			s->total += len;
			wake_reader(s);
		}
	}
	pthread_mutex_unlock(&s->lock);
	return ok;
}

void
stream_finish(struct gw_stream *s, bool failed)
{
	pthread_mutex_lock(&s->lock);
	s->finished = true;
	s->failed = failed;
	wake_reader(s);
	pthread_mutex_unlock(&s->lock);
}

bool
stream_aborted(struct gw_stream *s)
{
	bool		aborted;

	pthread_mutex_lock(&s->lock);
	aborted = s->aborted;
	pthread_mutex_unlock(&s->lock);
	return aborted;
}

uint64_t
stream_bytes(struct gw_stream *s)
{
	uint64_t	n;

	pthread_mutex_lock(&s->lock);
	n = s->total;
	pthread_mutex_unlock(&s->lock);
	return n;
}

void
stream_release(struct gw_stream *s)
{
	int			refs;

	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	refs = --s->refs;
	pthread_mutex_unlock(&s->lock);
	if (refs == 0)
	{
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->cond);
		free(s->data);
		free(s);
	}
}

ssize_t
stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct gw_stream *s = cls;
	ssize_t		n;

	pthread_mutex_lock(&s->lock);
	if (s->len > s->off)
	{
		size_t		avail = s->len - s->off;

		if (avail > max)
			avail = max;
		if (avail > (size_t) SSIZE_MAX)
			avail = (size_t) SSIZE_MAX;
		memcpy(buf, s->data + s->off, avail);
		s->off += avail;
		if (s->off == s->len)
			s->off = s->len = 0;
		pthread_cond_signal(&s->cond);
		n = (ssize_t) avail;
	}
	else if (s->finished)
		n = s->failed ? MHD_CONTENT_READER_END_WITH_ERROR : MHD_CONTENT_READER_END_OF_STREAM;
	else
	{
		/* nothing yet: park the connection until the worker puts more */
		s->suspended = true;
		MHD_suspend_connection(s->conn);
		n = 0;
	}
	pthread_mutex_unlock(&s->lock);
	return n;
}

void
stream_free(void *cls)
{
	struct gw_stream *s = cls;

	pthread_mutex_lock(&s->lock);
	s->aborted = true;
	s->suspended = false;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	stream_release(s);
}
