/*-------------------------------------------------------------------------
 *
 * deadline.c
 *		The request deadline (see deadline.h): a list of the open
 *		connections, each with the time its current request's clock started.
 *
 * The list is guarded by one mutex, taken by the HTTP threads when a
 * connection opens or closes and by the sweep.  The clock itself is an
 * atomic, so starting and stopping it takes no lock.  libmicrohttpd sends
 * MHD_CONNECTION_NOTIFY_CLOSED before it closes the socket, and the sweep
 * shuts sockets down with the mutex held, so it never touches a descriptor
 * that was closed (and perhaps reused).
 *
 *-------------------------------------------------------------------------
 */
#include "deadline.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "gateway.h"
#include "log.h"
#include "metrics.h"

struct conn_clock
{
	struct conn_clock *prev;
	struct conn_clock *next;
	int			fd;

	/*
	 * The clock's start in nanoseconds, its lowest bit set while the
	 * connection waits for a request line (the longer limit applies); 0 =
	 * stopped.  One atomic, so that the sweep never pairs a new flag with
	 * an old start.
	 */
	_Atomic uint64_t clock;
	bool		shut;			/* the sweep shut it down already */
};

#define CLOCK_IDLE	UINT64_C(1)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct conn_clock *head;

/* A clock started now, waiting for a request line or not. */
static uint64_t
clock_start(bool idle)
{
	uint64_t	t = gw_now_ns() & ~CLOCK_IDLE;

	if (t == 0)
		t = 2;					/* 0 means stopped */
	return idle ? t | CLOCK_IDLE : t;
}

void
deadline_open(struct MHD_Connection *conn, void **socket_context)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct conn_clock *c;

	*socket_context = NULL;
	if (info == NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return;					/* untracked: only the idle timeout applies */
	c->fd = info->connect_fd;
	atomic_store(&c->clock, clock_start(true));
	pthread_mutex_lock(&lock);
	c->next = head;
	if (head != NULL)
		head->prev = c;
	head = c;
	pthread_mutex_unlock(&lock);
	*socket_context = c;
}

void
deadline_close(void **socket_context)
{
	struct conn_clock *c = *socket_context;

	if (c == NULL)
		return;
	*socket_context = NULL;
	pthread_mutex_lock(&lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&lock);
	free(c);
}

/* Set the clock of a connection, if it is tracked. */
static void
clock_set(struct MHD_Connection *conn, uint64_t clock)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn_clock *c = info != NULL ? info->socket_context : NULL;

	if (c != NULL)
		atomic_store(&c->clock, clock);
}

void
deadline_request_line(struct MHD_Connection *conn)
{
	clock_set(conn, clock_start(false));
}

void
deadline_received(struct MHD_Connection *conn)
{
	clock_set(conn, 0);
}

void
deadline_answered(struct MHD_Connection *conn)
{
	clock_set(conn, clock_start(true));
}

unsigned
deadline_sweep(uint64_t now_ns)
{
	uint64_t	limit = (uint64_t) gw_config.request_timeout * UINT64_C(1000000000);
	uint64_t	idle_limit = (uint64_t) (gw_config.connection_timeout > gw_config.request_timeout ?
										 gw_config.connection_timeout : gw_config.request_timeout) *
		UINT64_C(1000000000);
	struct conn_clock *c;
	unsigned	n = 0;

	if (limit == 0)
		return 0;
	pthread_mutex_lock(&lock);
	for (c = head; c != NULL; c = c->next)
	{
		uint64_t	clock = atomic_load(&c->clock);
		uint64_t	since = clock & ~CLOCK_IDLE;

		if (clock == 0 || c->shut || now_ns <= since ||
			now_ns - since <= ((clock & CLOCK_IDLE) ? idle_limit : limit))
			continue;
		c->shut = true;
		metrics_request_timeout();	/* before the client can see it */
		shutdown(c->fd, SHUT_RDWR);
		n++;
	}
	pthread_mutex_unlock(&lock);
	if (n > 0)
	{
		gw_log(GW_LOG_WARN, "closed %u connection%s that took over %d s to send a request (--request-timeout)",
			   n, n == 1 ? "" : "s", gw_config.request_timeout);
	}
	return n;
}
